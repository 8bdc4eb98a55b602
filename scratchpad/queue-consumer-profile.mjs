// Where a consumer's time goes: this process gets from a queue a child owns and fills.
import { Pipe, Process } from "effect-multiprocessing/compat"
const N = 1_000_000
const [here, there] = await Pipe()
const owner = new Process({
  target: async (conn, n) => {
    const { Queue } = await import("effect-multiprocessing/compat")
    const q = new Queue()
    await conn.send(q)
    for (let i = 0; i < n; i++) await q.put({ id: i, producer: 1 })
    await conn.recv()
  },
  args: [there, N]
})
owner.start()
const q = await here.recv()
const c0 = process.cpuUsage()
const t0 = performance.now()
let sum = 0
for (let i = 0; i < N; i++) sum += (await q.get()).id
const c = process.cpuUsage(c0)
console.log("consumer cpu us per item", ((c.user + c.system) / N).toFixed(2), "wall", ((performance.now() - t0) * 1000 / N).toFixed(2))
await globalThis.__stopProfile?.()
await here.send("done")
await owner.join()
