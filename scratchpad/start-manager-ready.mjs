// Manager() start times under "spawn" and "forkserver" (ready processes from the snapshot), and a Pipe end
// handed to a ready process. node scratchpad/start-manager-ready.mjs [n]
import { Manager, Pipe, Process, setStartMethod } from "effect-multiprocessing/compat"
const n = Number(process.argv[2] ?? 5)
for (const method of ["spawn", "forkserver"]) {
  setStartMethod(method, { force: true, readyProcesses: 2 })
  const times = []
  for (let i = 0; i < n; i++) {
    await new Promise((r) => setTimeout(r, 300))
    const t0 = performance.now()
    const m = await Manager()
    times.push(+(performance.now() - t0).toFixed(1))
    const d = await m.dict()
    await d.setItem("k", i)
    if ((await d.getItem("k")) !== i) throw new Error("dict")
    await m.shutdown()
  }
  const [a, b] = await Pipe()
  const p = new Process({ target: async (conn) => { await conn.send(["pid", process.pid]); return await conn.recv() }, args: [b] })
  p.start()
  b.close()
  const got = await a.recv()
  await a.send("bye")
  const result = await p.result()
  await p.join()
  console.log(method, "manager ms", times.join(" "), "| pipe child:", got, result, "exit", p.exitCode)
  p.close(); a.close()
}
setStartMethod("spawn", { force: true })
