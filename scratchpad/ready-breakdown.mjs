// Where a start through a ready process spends its time: start() → target runs → result → exit seen.
import { Process, setStartMethod } from "effect-multiprocessing/compat"
setStartMethod(process.argv[2] ?? "forkserver", { readyProcesses: 2 })
const rows = []
for (let i = 0; i < 15; i++) {
  await new Promise((r) => setTimeout(r, 300))
  const t0 = Date.now()
  const p = new Process({ target: () => Date.now() })
  p.start()
  const ran = await p.result()
  const t1 = Date.now()
  await p.join()
  const t2 = Date.now()
  rows.push([ran - t0, t1 - ran, t2 - t1])
}
const med = (k) => rows.map((r) => r[k]).sort((a, b) => a - b)[7]
console.log(process.argv[2], "to target", med(0), "ms; result back", med(1), "ms; exit seen", med(2), "ms")
