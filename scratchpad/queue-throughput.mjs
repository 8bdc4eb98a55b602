// Queue throughput, P producers → C consumers, all children of the owner; timed from a start Event to the last item.
import { Event, Process, Queue } from "effect-multiprocessing/compat"
const [P, C, N] = (process.argv[2] ?? "1,1,200000").split(",").map(Number)
const q = new Queue()
const start = new Event()
const done = new Queue()
const producer = async (q, start, n, id) => {
  await start.wait()
  const c0 = process.cpuUsage()
  for (let i = 0; i < n; i++) await q.put({ id: i, producer: id })
  const c = process.cpuUsage(c0)
  const st = (await import("node:fs")).readFileSync("/proc/self/status", "utf8").match(/voluntary_ctxt_switches:\s+(\d+)\nnonvoluntary_ctxt_switches:\s+(\d+)/)
  console.log("producer cpu us per item", ((c.user + c.system) / n).toFixed(2), "ctxsw vol/invol", st[1], st[2])
}
const consumer = async (q, start, done, n) => {
  await q.put({ id: -1, producer: -1 }) // warm: make the connection
  await q.get()
  await done.put("ready")
  await start.wait()
  const c0 = process.cpuUsage()
  let sum = 0
  for (let i = 0; i < n; i++) sum += (await q.get()).id
  const c = process.cpuUsage(c0)
  const st = (await import("node:fs")).readFileSync("/proc/self/status", "utf8").match(/voluntary_ctxt_switches:\s+(\d+)\nnonvoluntary_ctxt_switches:\s+(\d+)/)
  console.log("consumer cpu us per item", ((c.user + c.system) / n).toFixed(2), "ctxsw vol/invol", st[1], st[2])
  await done.put(sum)
}
const cs = Array.from({ length: C }, () => new Process({ target: consumer, args: [q, start, done, (N * P) / C] }))
const ps = Array.from({ length: P }, (_, k) => new Process({ target: producer, args: [q, start, N, k] }))
for (const c of cs) c.start()
for (let i = 0; i < C; i++) await done.get()
for (const p of ps) p.start()
await new Promise((r) => setTimeout(r, 1000)) // producers up
const t0 = performance.now(); const cpu0 = process.cpuUsage()
let maxSize = 0; const poller = setInterval(async () => { maxSize = Math.max(maxSize, await q.qsize()) }, 5)
await start.set()
let sum = 0
for (let i = 0; i < C; i++) sum += await done.get()
clearInterval(poller); console.log("max qsize", maxSize)
const t1 = performance.now(); const cpu = process.cpuUsage(cpu0); { const st = (await import("node:fs")).readFileSync("/proc/self/status", "utf8").match(/voluntary_ctxt_switches:\s+(\d+)\nnonvoluntary_ctxt_switches:\s+(\d+)/); console.log("owner ctxsw", st[1], st[2]) } console.log("owner cpu us per item", ((cpu.user + cpu.system) / (N * P)).toFixed(2), "wall us per item", ((t1 - t0) * 1000 / (N * P)).toFixed(2))
await globalThis.__stopProfile?.()
for (const p of [...ps, ...cs]) await p.join()
console.log(`${P}→${C}`, Math.round((N * P) / ((t1 - t0) / 1000)), "items/s", sum === P * N * (N - 1) / 2 ? "ok" : `BAD SUM ${sum}`)
q.dispose(); done.dispose(); start.close()
