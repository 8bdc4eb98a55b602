// Items per second from a thread child to the main thread through a Queue (start method "thread"); run with and without EFFECT_MULTIPROCESSING_NATIVE=0.
import { Event, Process, Queue, setStartMethod } from "effect-multiprocessing/compat"
setStartMethod("thread")
const n = 20000
const q = new Queue(); const go = new Event()
const p = new Process({ target: async (q, go, n) => { await go.wait(); for (let i = 0; i < n; i++) await q.put(i) }, args: [q, go, n] })
p.start()
await new Promise((r) => setTimeout(r, 3000))
const t0 = performance.now(); const c0 = process.cpuUsage()
await go.set()
let total = 0
for (let i = 0; i < n; i++) total += await q.get(true, 60)
const ms = performance.now() - t0; const c = process.cpuUsage(c0)
console.log(process.env.EFFECT_MULTIPROCESSING_NATIVE === "0" ? "thread memory" : "addon", Math.round(n / ms * 1000), "items/s", "cpu ms", Math.round((c.user + c.system) / 1000), "wall ms", Math.round(ms))
await p.join(); q.close(); go.close()
