// As bench/run.js's process_start_spaced_ms ours: per round setStartMethod("forkserver"), 8 starts each after a
// 150 ms pause, then "spawn"; prints each start's time and the spares' state ("R" booted, "b" booting) before it.
import { Process, setStartMethod } from "effect-multiprocessing/compat"
import { readyPids } from "../dist/internal/process/readyProcesses.js"
for (let round = 0; round < Number(process.argv[2] ?? 3); round++) {
  setStartMethod("forkserver", { force: true, readyProcesses: 2 })
  const out = []
  for (let i = 0; i < 8; i++) {
    await new Promise((r) => setTimeout(r, 150))
    const state = readyPids().map((s) => (s.ready ? "R" : "b")).join("")
    const t0 = performance.now()
    const p = new Process({ target: () => {} })
    p.start()
    await p.join()
    out.push(`${state}:${(performance.now() - t0).toFixed(0)}`)
    p.close()
  }
  setStartMethod("spawn", { force: true })
  console.log(`round ${round}: ${out.join(" ")}`)
}
