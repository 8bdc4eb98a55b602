/**
 * The thread start method's start row of bench/run.js (issue 19):
 *
 *   thread_start_join_ms   start + join of a child with the "thread" start method (compat Process,
 *                          inline target) beside a bare `new Worker` that exits at once (node_floor)
 *
 * The thread pool rows (thread_pool_tasks_100k_per_s, thread_pool_task_latency_us) are with the
 * other pool rows in bench/pool.js, beside piscina.
 */
import { Worker } from "node:worker_threads"
import { Process } from "effect-multiprocessing/compat"
import { median } from "./harness.js"

// Milliseconds per sequential start + join of a thread child running an empty inline target.
const oursThreadStartJoin = async (n) => {
  const out = []
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    const p = new Process({ target: () => {}, startMethod: "thread" })
    p.start()
    const code = await p.join()
    out.push(performance.now() - t0)
    if (code !== 0) throw new Error(`ours: thread exited with ${code}`)
    p.close()
  }
  return out
}

// The floor: a worker thread that runs nothing, started and awaited until it exits.
const bareWorkerStartJoin = async (n) => {
  const out = []
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    const code = await new Promise((resolve, reject) => {
      const worker = new Worker("", { eval: true })
      worker.once("error", reject)
      worker.once("exit", resolve)
    })
    out.push(performance.now() - t0)
    if (code !== 0) throw new Error(`node_floor: worker exited with ${code}`)
  }
  return out
}

export const threadMetrics = ({ config }) => [{
  name: "thread_start_join_ms",
  better: "lower",
  how: `median of ${config.startRounds} rounds; a round's figure is the median of ${config.startIterations} sequential start+join`,
  rounds: config.startRounds,
  warmup: config.startWarmup,
  work: config.startIterations,
  summarize: (samples) => median(samples),
  contenders: [
    { key: "ours", label: "ours (compat Process, startMethod \"thread\", inline target)", run: oursThreadStartJoin },
    { key: "node_floor", label: "node_floor (new Worker(\"\", { eval: true }) until its exit)", run: bareWorkerStartJoin }
  ]
}]
