import { Queue, JoinableQueue, Process } from "effect-multiprocessing/compat"
const q = new Queue()
const p = new Process({ target: async (q, n) => { for (let i = 0; i < n; i++) await q.put({ i }) }, args: [q, 100000] })
const t0 = performance.now()
p.start()
let sum = 0
for (let i = 0; i < 100000; i++) sum += (await q.get()).i
const t1 = performance.now()
console.log("sum", sum, "items/s incl start", Math.round(100000 / ((t1 - t0) / 1000)))
await p.join()
const c = new Process({ target: async (q, n) => { let s = 0; for (let i = 0; i < n; i++) s += (await q.get()).i; return s }, args: [q, 100000] })
c.start()
const t2 = performance.now()
for (let i = 0; i < 100000; i++) await q.put({ i })
console.log("child consumed sum", await c.result(), "ms", Math.round(performance.now() - t2))
await c.join()
console.log("qsize", await q.qsize())
q.dispose()
