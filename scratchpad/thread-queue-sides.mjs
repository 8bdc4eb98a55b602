// A Queue between a thread and the main thread, each side alone: puts in a thread into a queue nobody reads yet
// (then timed gets of them here), and the 1-to-1 stream, items per second; main-thread CPU per item beside.
import { readFileSync } from "node:fs"
import { Event, Process, Queue, setStartMethod } from "effect-multiprocessing/compat"
setStartMethod("thread")
const N = Number(process.argv[2] ?? 20000)
const mainCpu = () => Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8").split(" ")[0]) / 1e3
for (let r = 0; r < 3; r++) {
  const q = new Queue()
  const go = new Event()
  const done = new Event()
  const p = new Process({
    target: async (q, go, done, n) => {
      await go.wait()
      const t0 = performance.now()
      for (let i = 0; i < n; i++) await q.put(i)
      const ms = performance.now() - t0
      await done.set()
      return ms
    },
    args: [q, go, done, N]
  })
  p.start()
  await go.set()
  await done.wait()
  const c0 = mainCpu()
  const t0 = performance.now()
  let total = 0
  for (let i = 0; i < N; i++) total += await q.get(true, 60)
  const getMs = performance.now() - t0
  const getCpu = (mainCpu() - c0) / N
  await p.join()
  const putMs = await p.result()
  // the stream
  const p2 = new Process({ target: async (q, n) => { for (let i = 0; i < n; i++) await q.put(i) }, args: [q, N] })
  p2.start()
  await q.get(true, 60)
  const c1 = mainCpu()
  const t1 = performance.now()
  for (let i = 1; i < N; i++) total += await q.get(true, 60)
  const streamMs = performance.now() - t1
  const streamCpu = (mainCpu() - c1) / N
  await p2.join()
  console.log(`puts alone ${Math.round(N / putMs * 1000)}/s | gets alone ${Math.round(N / getMs * 1000)}/s (${getCpu.toFixed(1)} µs CPU each) | stream ${Math.round(N / streamMs * 1000)}/s (${streamCpu.toFixed(1)} µs main CPU each)`)
  p.close(); p2.close(); q.close(); go.close(); done.close()
}
