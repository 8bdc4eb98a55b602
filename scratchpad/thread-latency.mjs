// One task at a time over thread pools: median µs and CPU µs per task (process-wide), same run; beside them bare
// ping-pongs of two threads: over a MessagePort (port), and through Atomics with the main thread waiting in its event
// loop (sab), synchronously (sabsync: WT = the other thread's wait cap in ms, MT = the main thread's), or spinning
// first (sabspin). `node scratchpad/thread-latency.mjs ours,piscina,sabsync` after a build; N tasks a round, R rounds,
// SPLIT=1 prints each thread's CPU µs per task (/proc schedstat), WPROF=1 profiles the pool's workers.
import Piscina from "piscina"
import workerpool from "workerpool"
import { Worker } from "node:worker_threads"
import { ThreadPool } from "effect-multiprocessing/compat"
const only = process.argv[2]?.split(",")
const piscina = new Piscina({ filename: new URL("../bench/workers/piscina-double.mjs", import.meta.url).href, minThreads: 2, maxThreads: 2 })
const wp = workerpool.pool(new URL("../bench/workers/workerpool-double.cjs", import.meta.url).pathname, { minWorkers: 2, maxWorkers: 2, workerType: "thread" })
const pool = new ThreadPool(2, process.env.WPROF ? { execArgv: ["--cpu-prof", "--cpu-prof-interval", "100", "--cpu-prof-dir=/tmp/t19prof"] } : {})
const f = (x) => x * 2
// bare port ping-pong
const portWorker = new Worker(`const { parentPort } = require("node:worker_threads"); parentPort.on("message", (x) => parentPort.postMessage(x * 2))`, { eval: true })
let portResolve
portWorker.on("message", (v) => portResolve(v))
const portRun = (x) => new Promise((r) => { portResolve = r; portWorker.postMessage(x) })
// bare SAB ping-pong: worker waits sync, main waits async
const sab = new SharedArrayBuffer(64)
const w = new Int32Array(sab)
const sabWorker = new Worker(`const { workerData } = require("node:worker_threads"); const w = new Int32Array(workerData);
let seen = 0
const WT = Number(process.env.WT ?? Infinity)
for (;;) { while (Atomics.wait(w, 0, seen, WT) === "timed-out"); seen = Atomics.load(w, 0); if (seen < 0) break; w[2] = w[1] * 2; Atomics.add(w, 3, 1); Atomics.notify(w, 3) }`, { eval: true, workerData: sab, env: process.env })
sabWorker.unref()
const sabRun = async (x) => {
  const seen = Atomics.load(w, 3)
  w[1] = x
  Atomics.add(w, 0, 1); Atomics.notify(w, 0)
  const r = Atomics.waitAsync(w, 3, seen)
  if (r.async) await r.value
  return w[2]
}
const MT = Number(process.env.MT ?? 1)
const sabSync = async (x) => {
  const seen = Atomics.load(w, 3)
  w[1] = x
  Atomics.add(w, 0, 1); Atomics.notify(w, 0)
  if (Atomics.wait(w, 3, seen, MT) === "timed-out") { const r = Atomics.waitAsync(w, 3, seen); if (r.async) await r.value }
  return w[2]
}
const sab2 = new SharedArrayBuffer(64)
const w2 = new Int32Array(sab2)
const spinWorker = new Worker(`const { workerData } = require("node:worker_threads"); const w = new Int32Array(workerData);
let seen = 0
for (;;) { const until = performance.now() + 0.03; while (Atomics.load(w, 0) === seen && performance.now() < until); if (Atomics.load(w, 0) === seen) { Atomics.store(w, 5, 1); Atomics.wait(w, 0, seen); Atomics.store(w, 5, 0) } seen = Atomics.load(w, 0); if (seen < 0) break; w[2] = w[1] * 2; Atomics.add(w, 3, 1); if (Atomics.load(w, 6) === 1) Atomics.notify(w, 3) }`, { eval: true, workerData: sab2 })
spinWorker.unref()
const sabSpin = async (x) => {
  const w = w2
  const seen = Atomics.load(w, 3)
  w[1] = x
  Atomics.add(w, 0, 1); if (Atomics.load(w, 5) === 1) Atomics.notify(w, 0)
  const until = performance.now() + 0.01
  while (Atomics.load(w, 3) === seen && performance.now() < until);
  if (Atomics.load(w, 3) === seen) {
    Atomics.store(w, 6, 1)
    if (Atomics.wait(w, 3, seen, 1) === "timed-out") { const r = Atomics.waitAsync(w, 3, seen); if (r.async) await r.value }
    Atomics.store(w, 6, 0)
  }
  return w[2]
}
const runs = { sabspin: sabSpin, sabsync: sabSync, ours: (i) => pool.apply(f, [i]), piscina: (i) => piscina.run(i), workerpool: (i) => wp.exec("double", [i]), port: portRun, sab: sabRun }
import { readdirSync, readFileSync } from "node:fs"
const threadCpu = () => Object.fromEntries(readdirSync("/proc/self/task").map((t) => { try { return [t + ":" + readFileSync(`/proc/self/task/${t}/comm`, "utf8").trim(), Number(readFileSync(`/proc/self/task/${t}/schedstat`, "utf8").split(" ")[0])] } catch { return [t, 0] } }))
const lat = async (run) => {
  for (let i = 0; i < 300; i++) await run(i)
  const l = []
  const c0 = process.cpuUsage(); const s0 = threadCpu()
  const N = Number(process.env.N ?? 2000)
  for (let i = 0; i < N; i++) { const t = performance.now(); const v = await run(i); l.push(performance.now() - t); if (v !== 2 * i) throw new Error("wrong " + v) }
  const c = process.cpuUsage(c0); const s1 = threadCpu()
  if (process.env.SPLIT) console.log(Object.entries(s1).map(([k, v]) => [k, ((v - (s0[k] ?? 0)) / 1000 / N).toFixed(1)]).filter(([, v]) => v > 0.2).map((x) => x.join("=")).join(" "))
  l.sort((a, b) => a - b)
  return `${(l[l.length >> 1] * 1000).toFixed(1)}µs cpu ${((c.user + c.system) / N).toFixed(1)}`
}
for (let r = 0; r < Number(process.env.R ?? 3); r++) {
  const out = []
  for (const [k, run] of Object.entries(runs)) if (!only || only.includes(k)) out.push(`${k} ${await lat(run)}`)
  console.log(out.join(" | "))
}
pool.close(); await pool.join(); await piscina.destroy(); await wp.terminate(); await portWorker.terminate(); Atomics.store(w, 0, -1); Atomics.notify(w, 0); Atomics.store(w2, 0, -1); Atomics.notify(w2, 0)
