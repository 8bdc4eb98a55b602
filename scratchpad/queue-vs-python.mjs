// The queue rows, ours (the ring) and Python's only, interleaved in one run: medians and the load.
// node scratchpad/queue-vs-python.mjs [rounds] [shape: 1to1|4to4|joinable] [n] [warm]
import * as os from "node:os"
import { queueThroughput } from "../bench/queue.js"
import { PythonPeer } from "../bench/pythonPeer.js"
const rounds = Number(process.argv[2] ?? 5)
const shape = process.argv[3] ?? "1to1"
const n = Number(process.argv[4] ?? 50000)
const warm = Number(process.argv[5] ?? 5000)
const [joinable, producers, consumers] = shape === "4to4" ? [false, 4, 4] : shape === "joinable" ? [true, 1, 1] : [false, 1, 1]
const each = shape === "4to4" ? n / 4 : n
const python = new PythonPeer()
const ours = [], py = []
console.log("load before", os.loadavg().map((x) => x.toFixed(2)).join(" "))
for (let r = 0; r < rounds; r++) {
  ours.push(await queueThroughput(joinable, producers, consumers, each, warm, 120))
  py.push((await python.request({ cmd: "queue_throughput", kind: joinable ? "JoinableQueue" : "Queue", producers, consumers, n: each, warm, timeout_s: 120 })).items_per_s)
}
await python.close()
const median = (x) => [...x].sort((a, b) => a - b)[x.length >> 1]
const k = (x) => (x / 1000).toFixed(1) + "k"
console.log(shape, "ours  ", ours.map(k).join(" "))
console.log(shape, "python", py.map(k).join(" "))
console.log(`${shape} median ours ${k(median(ours))}, python ${k(median(py))}, ratio ${(median(ours) / median(py)).toFixed(2)}`)
console.log("load after", os.loadavg().map((x) => x.toFixed(2)).join(" "))
