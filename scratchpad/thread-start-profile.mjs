// A main-thread CPU profile of 60 thread child starts+joins (inspector), written to the file given (thread-start.cpuprofile); summarize with cpuprofile-summary.py.
import { Session } from "node:inspector/promises"
import fs from "node:fs"
import { Process } from "effect-multiprocessing/compat"
const ours = async () => { const p = new Process({ target: () => {}, startMethod: "thread" }); p.start(); await p.join(); p.close() }
for (let i = 0; i < 10; i++) await ours()
const s = new Session(); s.connect()
await s.post("Profiler.enable"); await s.post("Profiler.setSamplingInterval", { interval: 100 }); await s.post("Profiler.start")
const c0 = process.cpuUsage()
for (let i = 0; i < 60; i++) await ours()
const c = process.cpuUsage(c0)
const { profile } = await s.post("Profiler.stop")
fs.writeFileSync(process.argv[2] ?? "thread-start.cpuprofile", JSON.stringify(profile))
console.log("process cpu per start ms", (c.user + c.system) / 1000 / 60)
