// pool.apply latency, one task at a time, while a third process busy-loops on one core
// (argv[2] = "busy") or not: the median µs per task and the parent's CPU per task. Run it from
// two builds alternately to compare how the result wait behaves (kernel wait or spin).
import { spawn } from "node:child_process"
import { Pool } from "effect-multiprocessing/compat"
const busy = process.argv[2] === "busy"
const N = Number(process.argv[3] ?? 3000)
const hog = busy ? spawn(process.execPath, ["-e", "for (;;);"], { stdio: "ignore" }) : undefined
const pool = new Pool(2)
const double = (x) => x * 2
for (let i = 0; i < 2000; i++) await pool.apply(double, [i])
const times = []
const c0 = process.cpuUsage()
for (let i = 0; i < N; i++) {
  const t0 = performance.now()
  if ((await pool.apply(double, [i])) !== i * 2) throw new Error("bad result")
  times.push((performance.now() - t0) * 1000)
}
const c = process.cpuUsage(c0)
times.sort((a, b) => a - b)
console.log(`${busy ? "busy" : "idle"} median ${times[N >> 1].toFixed(1)} µs; parent cpu ${((c.user + c.system) / N).toFixed(1)} µs/task`)
await pool.close(); await pool.join()
hog?.kill("SIGKILL")
