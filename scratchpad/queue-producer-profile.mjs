// Where a producer's time goes: this process puts into a queue a child owns and drains.
import { Pipe, Process } from "effect-multiprocessing/compat"
const N = 1_000_000
const [here, there] = await Pipe()
const owner = new Process({
  target: async (conn, n) => {
    const { Queue } = await import("effect-multiprocessing/compat")
    const q = new Queue()
    await conn.send(q)
    for (let i = 0; i < n; i++) await q.get()
    await conn.send("drained")
  },
  args: [there, N]
})
owner.start()
const q = await here.recv()
const c0 = process.cpuUsage()
const t0 = performance.now()
for (let i = 0; i < N; i++) await q.put({ id: i, producer: 1 })
const c = process.cpuUsage(c0)
console.log("producer cpu us per item", ((c.user + c.system) / N).toFixed(2), "wall", ((performance.now() - t0) * 1000 / N).toFixed(2))
await globalThis.__stopProfile?.()
console.log(await here.recv())
await owner.join()
