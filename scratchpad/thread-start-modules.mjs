// Node internal modules a thread child loads beyond a bare worker.
import { Worker } from "node:worker_threads"
import { Process } from "effect-multiprocessing/compat"
const p = new Process({ target: () => process.moduleLoadList, startMethod: "thread" }); p.start(); await p.join()
const ours = await p.result()
const bare = await new Promise((res) => { const w = new Worker("require('node:worker_threads').parentPort.postMessage(process.moduleLoadList)", { eval: true }); w.once("message", res) })
const extra = ours.filter((m) => !bare.includes(m))
console.log("ours", ours.length, "bare", bare.length, "extra", extra.length)
console.log(extra.join("\n"))
