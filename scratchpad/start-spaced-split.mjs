// Spaced starts under "forkserver": per start, how long start() takes, when the result arrives, when join returns,
// and whether a booted spare was there to take. node scratchpad/start-spaced-split.mjs [pauseMs] [n]
import { Process, setStartMethod } from "effect-multiprocessing/compat"
import { readyPids } from "../dist/internal/process/readyProcesses.js"
const pause = Number(process.argv[2] ?? 150)
const n = Number(process.argv[3] ?? 12)
setStartMethod("forkserver", { readyProcesses: 2 })
const rows = []
for (let i = 0; i < n; i++) {
  await new Promise((r) => setTimeout(r, pause))
  const before = readyPids().map((s) => (s.ready ? "R" : "b")).join("")
  const t0 = performance.now()
  const p = new Process({ target: () => Date.now() })
  p.start()
  const t1 = performance.now()
  const at = await p.result()
  const t2 = performance.now()
  await p.join()
  const t3 = performance.now()
  p.close()
  rows.push({ spares: before, start: +(t1 - t0).toFixed(1), result: +(t2 - t0).toFixed(1), childRanAt: at - (Date.now() - (performance.now() - t0)), join: +(t3 - t0).toFixed(1) })
}
console.table(rows)
