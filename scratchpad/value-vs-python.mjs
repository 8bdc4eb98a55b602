// The value_increment_under_lock_us row, ours (blocking form) and Python's only, interleaved in one
// run (bench/run.js also runs the slow served and Promise forms): medians, the load average.
// node scratchpad/value-vs-python.mjs [rounds] [n]
import * as os from "node:os"
import { valueIncrement } from "../bench/sync.js"
import { PythonPeer } from "../bench/pythonPeer.js"
const rounds = Number(process.argv[2] ?? 7)
const n = Number(process.argv[3] ?? 2000)
const warmupMs = 500
const python = new PythonPeer()
const ours = [], py = []
console.log("load before", os.loadavg().map((x) => x.toFixed(2)).join(" "))
for (let r = 0; r < rounds; r++) {
  ours.push(await valueIncrement(n, warmupMs, "sync"))
  py.push((await python.request({ cmd: "value_increment", n, warmup_ms: warmupMs })).us)
}
await python.close()
const median = (x) => [...x].sort((a, b) => a - b)[x.length >> 1]
console.log("ours  ", ours.map((x) => x.toFixed(2)).join(" "))
console.log("python", py.map((x) => x.toFixed(2)).join(" "))
console.log(`median ours ${median(ours).toFixed(2)} µs, python ${median(py).toFixed(2)} µs, ratio ${(median(ours) / median(py)).toFixed(2)}`)
console.log("load after", os.loadavg().map((x) => x.toFixed(2)).join(" "))
