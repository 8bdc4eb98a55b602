import { Queue } from "effect-multiprocessing/compat"
const q = new Queue()
await q.put(1); await q.get()
const N = 20000
for (let r = 0; r < 3; r++) {
  const t0 = process.cpuUsage(); const w0 = performance.now()
  for (let i = 0; i < N; i++) { try { await q.getNowait() } catch (e) { if (e.constructor.name !== "Empty") throw e } }
  const c = process.cpuUsage(t0); console.log("getNowait empty", ((performance.now() - w0) * 1000 / N).toFixed(1), "us wall", ((c.user + c.system) / N).toFixed(1), "us cpu")
}
const t1 = performance.now()
for (let i = 0; i < N; i++) { await q.put(i); await q.getNowait() }
console.log("put+getNowait", ((performance.now() - t1) * 1000 / N).toFixed(1))
let e0 = performance.now(); for (let i = 0; i < N; i++) { try { throw new Error("x") } catch {} } console.log("plain Error", ((performance.now() - e0) * 1000 / N).toFixed(2))
await q.close?.()
process.exit(0)
