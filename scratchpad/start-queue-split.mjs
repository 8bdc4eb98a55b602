import { Process, Queue, setStartMethod } from "effect-multiprocessing/compat"
const method = process.argv[2] ?? "spawn"
if (method === "forkserver") setStartMethod("forkserver", { readyProcesses: 2 })
const q = new Queue()
const rows = []
const target = async (q) => {
  const t0 = Date.now(), p0 = performance.now()
  await q.put([t0, p0, Date.now()])
}
for (let i = 0; i < 10; i++) {
  if (method === "forkserver") await new Promise((r) => setTimeout(r, 300))
  const t0 = Date.now()
  const p = new Process({ target, args: [q] })
  p.start()
  const t1 = Date.now()
  const [c0, cp, c1] = await q.get()
  const t2 = Date.now()
  await p.join()
  const t3 = Date.now()
  p.close()
  rows.push({ startCall: t1 - t0, childMainAt: c0 - t0, childPerfAtTarget: Math.round(cp), putTook: c1 - c0, getAt: t2 - t0, joinAt: t3 - t0 })
}
q.close()
console.table(rows)
