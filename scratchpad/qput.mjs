import { Process, Queue } from "effect-multiprocessing/compat"
const N = 400000
const producer = async (q, n) => {
  for (let i = 0; i < 20000; i++) await q.put({ id: i, producer: 0 })
  const t = performance.now(), c0 = process.cpuUsage()
  for (let i = 0; i < n; i++) await q.put({ id: i, producer: 0 })
  const c = process.cpuUsage(c0)
  return [(performance.now() - t) * 1000 / n, (c.user + c.system) / n]
}
const consumer = async (q, n) => {
  for (let i = 0; i < 20000; i++) await q.get()
  const t = performance.now(), c0 = process.cpuUsage()
  for (let i = 0; i < n; i++) await q.get()
  const c = process.cpuUsage(c0)
  return [(performance.now() - t) * 1000 / n, (c.user + c.system) / n]
}
const q = new Queue()
const p = new Process({ target: producer, args: [q, N] }); p.start()
console.log("put us wall/cpu", await p.result()); await p.join(); p.close()
console.log("qsize", await q.qsize())
const c = new Process({ target: consumer, args: [q, N] }); c.start()
console.log("get us wall/cpu", await c.result()); await c.join(); c.close()
q.close()
