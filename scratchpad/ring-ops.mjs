// In one process: CPU µs per compat put and per compat get through a Queue's shared ring (batches of
// 1000 puts then 1000 gets), after a warm-up. node scratchpad/ring-ops.mjs [batches]
import { Queue } from "effect-multiprocessing/compat"
const batches = Number(process.argv[2] ?? 200)
const q = new Queue()
// CPU time, not wall time: other work on the machine does not count.
const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000 }
const round = async () => {
  const t0 = cpu()
  for (let i = 0; i < 1000; i++) await q.put({ id: i, producer: 0 })
  const t1 = cpu()
  let sum = 0
  for (let i = 0; i < 1000; i++) sum += (await q.get()).id
  const t2 = cpu()
  if (sum !== 499500) throw new Error("lost")
  return [t1 - t0, t2 - t1]
}
for (let i = 0; i < 50; i++) await round()
const puts = [], gets = []
for (let b = 0; b < batches; b++) { const [p, g] = await round(); puts.push(p); gets.push(g) }
const median = (x) => [...x].sort((a, b) => a - b)[x.length >> 1]
// cpuUsage ticks coarsely: the mean of many batches.
const mean = (x) => x.reduce((a, b) => a + b, 0) / x.length
console.log(`CPU per put ${mean(puts).toFixed(2)} µs, per get ${mean(gets).toFixed(2)} µs (means of ${batches} batches of 1000)`)
q.dispose()
