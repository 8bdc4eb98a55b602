import * as os from "node:os"
import { readFileSync } from "node:fs"
const time = (label, f, n = 20000) => { for (let i = 0; i < 1000; i++) f(); const t0 = performance.now(); for (let i = 0; i < n; i++) f(); console.log(label, ((performance.now() - t0) * 1000 / n).toFixed(2), "µs") }
time("os.loadavg()", () => os.loadavg())
time("read+parse /proc/stat cpu lines", () => readFileSync("/proc/stat", "latin1").split("\n", 3).map((l) => l.split(" ")))
time("os.cpus()", () => os.cpus(), 2000)
time("read /proc/loadavg", () => readFileSync("/proc/loadavg", "latin1"))
