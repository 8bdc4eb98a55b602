/**
 * The thread start method's rows of bench/run.js (issue 19):
 *
 *   thread_start_join_ms            start + join of a child with the "thread" start method (compat Process,
 *                                   inline target) beside a bare `new Worker` that exits at once (node_floor)
 *   thread_lock_acquire_release_us  acquire+release, in a thread, of a Lock the main thread made, beside
 *                                   Python's threading.Lock (multiprocessing.dummy's Lock) between two threads
 *   thread_queue_1to1_items_per_s   ints through a Queue from a thread to the main thread, beside Python's
 *                                   queue.Queue (multiprocessing.dummy's Queue) between two threads
 *
 * The thread pool rows (thread_pool_tasks_100k_per_s, thread_pool_task_latency_us) are with the
 * other pool rows in bench/pool.js, beside piscina.
 */
import { spawn } from "node:child_process"
import { Worker } from "node:worker_threads"
import { Event, Process, Queue, setStartMethod } from "effect-multiprocessing/compat"
import { median } from "./harness.js"
import { lockRemote } from "./sync.js"

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

// Microseconds per acquireSync()+releaseSync() of a Lock made here, timed in a thread child (as lock_acquire_release_us's
// "ours" times it in a process child: bench/sync.js).
const oursThreadLock = (warmupMs) => async (n) => (await lockRemote(n, warmupMs, "sync", "thread")).mean

// Items per second through a Queue made here, put by a thread child and got here: from go.set() to the last get.
const oursThreadQueue = (warm) => async (n) => {
  const q = new Queue()
  const go = new Event()
  const p = new Process({
    target: async (q, go, n, warm) => {
      for (let i = 0; i < warm; i++) await q.put(i)
      await go.wait()
      for (let i = 0; i < n; i++) await q.put(i)
    },
    args: [q, go, n, warm],
    startMethod: "thread"
  })
  p.start()
  for (let i = 0; i < warm; i++) await q.get(true, 60)
  const t0 = performance.now()
  await go.set()
  let total = 0
  for (let i = 0; i < n; i++) total += await q.get(true, 60)
  const elapsed = performance.now() - t0
  if (total !== n * (n - 1) / 2) throw new Error("ours: thread_queue items lost")
  await p.join()
  p.close()
  q.close()
  go.close()
  return n / (elapsed / 1000)
}

// The same measure without the addon (EFFECT_MULTIPROCESSING_NATIVE=0), in a process whose start method is
// "thread": the lock and the queue's ring live in the threads' own memory (a SharedArrayBuffer with Atomics).
const inThreadMemory = (what, ...args) => async (n) => {
  const child = spawn(process.execPath, [new URL(import.meta.url).pathname, what, String(n), ...args.map(String)], {
    env: { ...process.env, EFFECT_MULTIPROCESSING_NATIVE: "0" },
    stdio: ["ignore", "pipe", "inherit"]
  })
  let out = ""
  child.stdout.on("data", (chunk) => (out += chunk))
  const code = await new Promise((resolve) => child.on("exit", resolve))
  if (code !== 0) throw new Error(`bench/threads.js ${what} exited with ${code}`)
  return JSON.parse(out)
}

if (import.meta.url === new URL(process.argv[1], "file:").href) {
  const [what, n, arg] = process.argv.slice(2)
  setStartMethod("thread")
  const figure = what === "lock" ? await oursThreadLock(Number(arg))(Number(n)) : await oursThreadQueue(Number(arg))(Number(n))
  process.stdout.write(JSON.stringify(figure))
}

export const threadMetrics = ({ config, python }) => [{
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
}, {
  name: "thread_lock_acquire_release_us",
  better: "lower",
  how: `median of ${config.syncRounds} rounds; µs per uncontended acquire+release in a thread of a lock the main thread made: ` +
    `mean of ${config.lockN} pairs after ${config.syncWarmupMs} ms of the same loop untimed, one fresh thread per round ` +
    "(lock_acquire_release_us's \"ours\" from a thread)",
  rounds: config.syncRounds,
  warmup: 200,
  work: config.lockN,
  summarize: (x) => x,
  contenders: [
    { key: "ours", label: "ours (compat Lock made by the main thread, in a \"thread\" child: acquireSync()+releaseSync())", run: oursThreadLock(config.syncWarmupMs) },
    {
      key: "ours_thread_memory",
      label: "ours_thread_memory (the same without the addon, start method \"thread\": the lock in a SharedArrayBuffer)",
      run: inThreadMemory("lock", config.syncWarmupMs)
    },
    {
      key: "python",
      label: "python (threading.Lock = multiprocessing.dummy's Lock, made by the main thread, in a threading.Thread)",
      run: async (n) => (await python.request({ cmd: "thread_lock", n, warmup_ms: config.syncWarmupMs })).us,
      python: true
    }
  ]
}, {
  name: "thread_queue_1to1_items_per_s",
  better: "higher",
  how: `median of ${config.syncRounds} rounds; ${config.threadQueueN} ints put by a thread, got by the main thread (after ` +
    `${config.threadQueueWarm} untimed ones each way), from the start signal to the last get; one fresh thread and queue per round`,
  rounds: config.syncRounds,
  warmup: 1000,
  work: config.threadQueueN,
  summarize: (x) => x,
  contenders: [
    { key: "ours", label: "ours (compat Queue made by the main thread; await put() in a \"thread\" child, await get() here)", run: oursThreadQueue(config.threadQueueWarm) },
    {
      key: "ours_thread_memory",
      label: "ours_thread_memory (the same without the addon, start method \"thread\": the queue's ring in a SharedArrayBuffer)",
      run: inThreadMemory("queue", config.threadQueueWarm)
    },
    {
      key: "python",
      label: "python (queue.Queue = multiprocessing.dummy's Queue; put() in a threading.Thread, get() in the main thread)",
      run: async (n) => (await python.request({ cmd: "thread_queue", n, warm: config.threadQueueWarm })).items_per_s,
      python: true
    }
  ]
}]
