/**
 * The Pool rows of bench/run.js (issue 7): `poolMetrics({ config, python })` gives metric objects
 * in run.js's shape, plus a `teardown` per metric that closes the pools its contenders opened.
 *
 *   pool_map_200k_ms        x => x * 2 over 200 000 integers, default chunking: ours vs Python Pool.map
 *   pool_tasks_100k_per_s   100 000 tasks submitted one by one, then all awaited: ours vs piscina,
 *                           workerpool (process workers), Python apply_async, @effect/platform's pool
 *   pool_task_latency_us    one task at a time (submit, await, repeat), median µs per task
 *   pool_crash_detect_ms    ours only: SIGKILL a worker that is in a task; ms until the task rejects
 *   shm_array_sum_1m_ms     a pool of 2 sums the halves of 1 M float64 in one SharedMemory: ours vs Python
 *                           (shared_memory + memoryview, no numpy)
 *
 * Every pool has 2 workers and is made before anything is timed: a contender opens its pool on its
 * first run (the untimed warm-up run of the metric), waits until its workers answer, keeps it for
 * every round of that metric, and the metric's teardown closes it (so each metric starts fresh
 * pools; JIT and caches are warm in every timed round). The Python peer keeps its Pool the same way
 * (see python/peer.py: pool_* commands, closed by pool_close). Peers run with their libraries'
 * default settings apart from the worker count (piscina, workerpool and @effect/platform run one
 * task at a time per worker by default; ours and Python's pool pipeline tasks to workers).
 *
 * Contenders are `optional`: one that fails (ours before the compat Pool exists, or a peer that
 * cannot load) is reported as n/a with its error and the run goes on.
 *
 * Ours is the compat face: `new Pool(2)`, `pool.map(f, xs)`, `pool.applyAsync(f, [x]).get()`,
 * `pool.apply(f, [x])`, `pool.pids`, `pool.terminate()` + `await pool.join()`, with `f` an inline
 * function carried as source text (so the functions below use only their arguments and globals).
 */
import { fork } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Worker as ThreadWorker } from "node:worker_threads"
import * as Worker from "@effect/platform/Worker"
import * as NodeWorker from "@effect/platform-node/NodeWorker"
import { Effect, Exit, Scope } from "effect"
// A namespace import: a named `Pool` import would fail the whole run while compat has no Pool.
import * as compat from "effect-multiprocessing/compat"
import { isAlive, median } from "./harness.js"

const PROCESSES = 2
// Tasks in flight for effect_worker in pool_tasks_100k_per_s: its pool holds 1 per worker (the default),
// so 2 per worker keeps each worker's next task ready (see the effect_worker adapter).
const EFFECT_IN_FLIGHT = 2 * PROCESSES
const workerFile = (name) => fileURLToPath(new URL(`./workers/${name}`, import.meta.url))

// Inline task functions for ours (carried as source text: no free variables).
const double = (x) => x * 2
const pidAfter = async (ms) => {
  await new Promise((resolve) => setTimeout(resolve, ms))
  return process.pid
}
const hang = () => new Promise(() => {})

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const within = (promise, ms, what) => {
  let timer
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)
    })
  ]).finally(() => clearTimeout(timer))
}
const range = (n) => Array.from({ length: n }, (_, i) => i)
const sumOf = (xs) => xs.reduce((a, b) => a + b, 0)
// The sum of 2 * i for i in 0..n-1.
const expectedDoubledSum = (n) => n * (n - 1)

// ---------------------------------------------------------------------------
// One adapter per Node contender: open() makes a pool with PROCESSES workers and waits until they
// answer; map / tasks / one are the timed operations; close() ends the pool and its workers.

const oursPool = () => {
  if (typeof compat.Pool !== "function") throw new Error("effect-multiprocessing/compat has no Pool (yet)")
  return compat.Pool
}

// Terminates one of our pools, then SIGKILLs any worker still alive after `graceMs`.
const closeOurs = async (pool, graceMs = 5000) => {
  let pids = []
  try {
    pids = [...pool.pids]
  } catch {}
  try {
    pool.terminate()
    await within(pool.join(), graceMs, "ours: pool.join() after terminate()")
  } finally {
    for (const pid of pids.filter(isAlive)) {
      try {
        process.kill(pid, "SIGKILL")
      } catch {}
    }
  }
}

// @effect/platform's pool of PROCESSES workers made by `spawn`, warmed; its scope closes it.
const openEffectPool = async (spawn) => {
  const scope = Effect.runSync(Scope.make())
  try {
    const pool = await Effect.runPromise(
      Worker.makePool({ size: PROCESSES }).pipe(Scope.extend(scope), Effect.provide(NodeWorker.layer(spawn)))
    )
    await Effect.runPromise(Effect.forEach(range(2 * PROCESSES), (x) => pool.executeEffect(x), { concurrency: "unbounded" }))
    return { pool, scope }
  } catch (error) {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    throw error
  }
}

const adapters = {
  ours: {
    label: "ours (compat Pool(2))",
    open: async () => {
      const Pool = oursPool()
      const pool = new Pool(PROCESSES)
      try {
        // Concurrent tasks that each take a while: every worker gets one once the pool is up.
        await Promise.all(range(2 * PROCESSES).map(() => pool.apply(pidAfter, [20])))
      } catch (error) {
        await closeOurs(pool).catch(() => {})
        throw error
      }
      return pool
    },
    map: (pool, xs) => pool.map(double, xs),
    tasks: (pool, xs) => Promise.all(xs.map((x) => pool.applyAsync(double, [x])).map((r) => r.get())),
    one: (pool, x) => pool.apply(double, [x]),
    close: (pool) => closeOurs(pool)
  },
  // The "thread" start method: its workers are threads of this process (pool.pids is this pid), so it
  // is ended by terminate() + join() alone, never by killing pids.
  ours_thread: {
    label: "ours (compat ThreadPool(2))",
    open: async () => {
      const pool = new compat.ThreadPool(PROCESSES)
      await Promise.all(range(2 * PROCESSES).map(() => pool.apply(pidAfter, [20])))
      return pool
    },
    tasks: (pool, xs) => Promise.all(xs.map((x) => pool.applyAsync(double, [x])).map((r) => r.get())),
    one: (pool, x) => pool.apply(double, [x]),
    close: async (pool) => {
      pool.terminate()
      await within(pool.join(), 5000, "ours: ThreadPool join() after terminate()")
    }
  },
  piscina: {
    label: "piscina (worker_threads, minThreads = maxThreads = 2)",
    open: async () => {
      const { Piscina } = await import("piscina")
      const pool = new Piscina({ filename: workerFile("piscina-double.mjs"), minThreads: PROCESSES, maxThreads: PROCESSES })
      await Promise.all(range(2 * PROCESSES).map((x) => pool.run(x)))
      return pool
    },
    tasks: (pool, xs) => Promise.all(xs.map((x) => pool.run(x))),
    one: (pool, x) => pool.run(x),
    close: (pool) => pool.destroy()
  },
  workerpool: {
    label: "workerpool (workerType \"process\", minWorkers = maxWorkers = 2, exec of a worker method)",
    open: async () => {
      const { default: workerpool } = await import("workerpool")
      const pool = workerpool.pool(workerFile("workerpool-double.cjs"), {
        minWorkers: PROCESSES,
        maxWorkers: PROCESSES,
        workerType: "process"
      })
      await Promise.all(range(2 * PROCESSES).map((x) => pool.exec("double", [x])))
      return pool
    },
    tasks: (pool, xs) => Promise.all(xs.map((x) => pool.exec("double", [x]))),
    one: (pool, x) => pool.exec("double", [x]),
    close: (pool) => pool.terminate()
  },
  tinypool: {
    label: "tinypool (worker_threads, minThreads = maxThreads = 2)",
    open: async () => {
      const { Tinypool } = await import("tinypool")
      // The same task file as piscina's: tinypool is its fork and runs a module's default export.
      const pool = new Tinypool({ filename: workerFile("piscina-double.mjs"), minThreads: PROCESSES, maxThreads: PROCESSES })
      await Promise.all(range(2 * PROCESSES).map((x) => pool.run(x)))
      return pool
    },
    tasks: (pool, xs) => Promise.all(xs.map((x) => pool.run(x))),
    one: (pool, x) => pool.run(x),
    close: (pool) => pool.destroy()
  },
  workerpool_thread: {
    label: "workerpool (workerType \"thread\", minWorkers = maxWorkers = 2, exec of a worker method)",
    open: async () => {
      const { default: workerpool } = await import("workerpool")
      const pool = workerpool.pool(workerFile("workerpool-double.cjs"), {
        minWorkers: PROCESSES,
        maxWorkers: PROCESSES,
        workerType: "thread"
      })
      await Promise.all(range(2 * PROCESSES).map((x) => pool.exec("double", [x])))
      return pool
    },
    tasks: (pool, xs) => Promise.all(xs.map((x) => pool.exec("double", [x]))),
    one: (pool, x) => pool.exec("double", [x]),
    close: (pool) => pool.terminate()
  },
  effect_worker: {
    label: "effect_worker (@effect/platform Worker.makePool, size 2, NodeWorker over child_process.fork)",
    open: () => openEffectPool(() => fork(workerFile("effect-double.js"))),
    // Submitted through Effect.forEach with EFFECT_IN_FLIGHT tasks at a time, not "unbounded": with
    // every task waiting on the pool at once, time and memory grow with the square of the waiters
    // (effect 3.22.4's Semaphore wakes every waiter on each release and all but one re-queue):
    // 800 waiting tasks took ~10 s and ~280 MB here, 10 000 ran the heap out, so 100 000 cannot run.
    tasks: ({ pool }, xs) =>
      Effect.runPromise(Effect.forEach(xs, (x) => pool.executeEffect(x), { concurrency: EFFECT_IN_FLIGHT })),
    one: ({ pool }, x) => Effect.runPromise(pool.executeEffect(x)),
    close: ({ scope }) => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
// The same runner file in worker threads (NodeWorkerRunner speaks over the parent port there).
adapters.effect_worker_thread = {
  ...adapters.effect_worker,
  label: "effect_worker (@effect/platform Worker.makePool, size 2, NodeWorker over worker_threads)",
  open: () => openEffectPool(() => new ThreadWorker(workerFile("effect-double.js")))
}

// Opens a contender's pool on first use and keeps it until close(): one per metric.
const keeper = (adapter) => {
  let opened
  return {
    get: () => (opened ??= adapter.open()),
    close: async () => {
      if (opened === undefined) return
      const pending = opened
      opened = undefined
      let pool
      try {
        pool = await pending
      } catch {
        return // never opened: its error was reported by the run that opened it
      }
      await within(Promise.resolve(adapter.close(pool)), 10_000, "closing a pool")
    }
  }
}

// A metric's contenders share a teardown that closes every pool they opened.
const withKeepers = (keys) => {
  const keepers = Object.fromEntries(keys.map((key) => [key, keeper(adapters[key])]))
  const teardown = async (python) => {
    for (const [key, k] of Object.entries(keepers)) {
      try {
        await k.close()
      } catch (error) {
        console.error(`bench: closing the ${key} pool failed: ${error?.message ?? error}`)
      }
    }
    if (python !== undefined) {
      try {
        await python.request({ cmd: "pool_close" })
      } catch {} // python unavailable or gone: nothing to close
    }
  }
  return { keepers, teardown }
}

// ---------------------------------------------------------------------------
// Timed operations

// Milliseconds for one map over xs (default chunking), result checked.
const timedMap = (keeper, adapter) => async (n) => {
  const pool = await keeper.get()
  const xs = range(n)
  const t0 = performance.now()
  const out = await adapter.map(pool, xs)
  const t1 = performance.now()
  if (out.length !== n || sumOf(out) !== expectedDoubledSum(n)) throw new Error("map: wrong results")
  return t1 - t0
}

// Tasks per second: all n submitted one by one, then all awaited; results checked.
const timedTasks = (keeper, adapter) => async (n) => {
  const pool = await keeper.get()
  const xs = range(n)
  const t0 = performance.now()
  const out = await adapter.tasks(pool, xs)
  const t1 = performance.now()
  if (out.length !== n || sumOf(out) !== expectedDoubledSum(n)) throw new Error("tasks: wrong results")
  return n / ((t1 - t0) / 1000)
}

// Per-task microseconds, one task at a time.
const timedLatency = (keeper, adapter) => async (n) => {
  const pool = await keeper.get()
  const out = []
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    const got = await adapter.one(pool, i)
    const t1 = performance.now()
    if (got !== 2 * i) throw new Error("latency: wrong result")
    out.push((t1 - t0) * 1000)
  }
  return out
}

const isWorkerLost = (error) =>
  [error?.name, error?._tag, error?.constructor?.name].some((name) => typeof name === "string" && name.includes("WorkerLost"))

// Milliseconds from SIGKILL of a worker that is in a task until that task's promise rejects, with
// WorkerLostError. A fresh Pool(2) per kill (made and closed untimed): once its workers answer, two
// never-settling tasks are submitted (one per worker when tasks go to idle workers), and after
// 100 ms the first worker of pool.pids is killed; the first rejection is timed in its handler.
const oursCrashDetect = async (kills) => {
  const Pool = oursPool()
  const out = []
  for (let k = 0; k < kills; k++) {
    const pool = new Pool(PROCESSES)
    try {
      await Promise.all(range(2 * PROCESSES).map(() => pool.apply(pidAfter, [20])))
      let settled
      const first = new Promise((resolve) => {
        for (const task of [0, 1].map(() => pool.apply(hang, []))) {
          task.then(
            (value) => resolve((settled ??= { at: performance.now(), value })),
            (error) => resolve((settled ??= { at: performance.now(), error }))
          )
        }
      })
      await sleep(100) // both tasks reach their workers
      if (settled !== undefined) throw new Error("crash: a never-settling task settled before the kill")
      const victim = pool.pids[0]
      const t0 = performance.now()
      process.kill(victim, "SIGKILL")
      const got = await within(first, 5000, `crash: no task rejected after SIGKILL of worker ${victim}`)
      if (!("error" in got)) throw new Error("crash: the task of the killed worker fulfilled")
      if (!isWorkerLost(got.error)) {
        throw new Error(`crash: the task rejected with ${got.error?.name ?? got.error}: ${got.error?.message}, not WorkerLostError`)
      }
      out.push(got.at - t0)
    } finally {
      await closeOurs(pool)
    }
  }
  return out
}

// The sum of one range of a SharedMemory's float64 (an inline function: it arrives attached by name).
const sumShmRange = (shm, start, end) => {
  const data = new Float64Array(shm.buf.buffer)
  let total = 0
  for (let i = start; i < end; i++) total += data[i]
  shm.close()
  return total
}

// Milliseconds for one starmap summing the two halves of n float64 in one SharedMemory (made and filled untimed).
const oursShmSum = (keeper) => async (n) => {
  const pool = await keeper.get()
  const shm = new compat.SharedMemory({ create: true, size: n * 8 })
  try {
    const data = new Float64Array(shm.buf.buffer)
    for (let i = 0; i < n; i++) data[i] = i * 0.5
    const t0 = performance.now()
    const halves = await pool.starmap(sumShmRange, [[shm, 0, n / 2], [shm, n / 2, n]])
    const t1 = performance.now()
    if (halves[0] + halves[1] !== (n * (n - 1)) / 4) throw new Error("shm_array_sum: wrong sum")
    return t1 - t0
  } finally {
    shm.close()
    shm.unlink()
  }
}

// ---------------------------------------------------------------------------
// Python's side (python/peer.py keeps one Pool(2) until pool_close)

const pythonMap = (python) => async (n) => (await python.request({ cmd: "pool_map", processes: PROCESSES, n })).ms
const pythonShmSum = (python) => async (n) => (await python.request({ cmd: "shm_array_sum", processes: PROCESSES, n })).ms
const pythonTasks = (python) => async (n) =>
  (await python.request({ cmd: "pool_apply_async", processes: PROCESSES, n })).tasks_per_s
const pythonLatency = (python) => async (n) => (await python.request({ cmd: "pool_apply", processes: PROCESSES, n })).us

// ---------------------------------------------------------------------------
// Metrics

export const poolMetrics = ({ config, python }) => {
  const rounds = config.poolRounds
  // A Node contender that hangs fails its metric (n/a) instead of the whole run; Python's requests
  // are not raced (the peer answers in order: a late answer would be taken for the next request's).
  const bounded = (contender) => ({
    ...contender,
    run: (work) => within(contender.run(work), config.poolTimeoutS * 1000, `${contender.key}`)
  })
  const metrics = []

  {
    const { keepers, teardown } = withKeepers(["ours"])
    metrics.push({
      name: "pool_map_200k_ms",
      better: "lower",
      how: `median of ${rounds} rounds; ms for one map of x => x * 2 over ${config.poolMapN} integers with default chunking ` +
        `(Python's: ${config.poolMapN} / (4 × 2 workers) per chunk); the result is checked; a pool of 2 workers per contender, ` +
        `made and warmed (a map of ${config.poolMapWarmupN}) before the rounds and kept across them`,
      rounds,
      warmup: config.poolMapWarmupN,
      work: config.poolMapN,
      summarize: (x) => x,
      teardown: () => teardown(python),
      contenders: [
        bounded({ key: "ours", label: "ours (compat Pool(2), await pool.map(f, xs))", run: timedMap(keepers.ours, adapters.ours), optional: true }),
        {
          key: "python",
          label: "python (multiprocessing.Pool(2), spawn, pool.map(double, xs))",
          run: pythonMap(python),
          python: true,
          optional: true
        }
      ]
    })
  }

  {
    const keys = ["ours", "piscina", "workerpool", "effect_worker"]
    const { keepers, teardown } = withKeepers(keys)
    const calls = {
      ours: "applyAsync(f, [x]) each, then get() each",
      piscina: "run(x) each, then Promise.all",
      workerpool: "exec(\"double\", [x]) each, then Promise.all",
      effect_worker: `Effect.forEach(xs, executeEffect, { concurrency: ${EFFECT_IN_FLIGHT} })`
    }
    const node = keys.map((key) => ({
      key,
      label: `${adapters[key].label}: ${calls[key]}`,
      run: timedTasks(keepers[key], adapters[key]),
      optional: true
    })).map(bounded)
    metrics.push({
      name: "pool_tasks_100k_per_s",
      better: "higher",
      how: `median of ${rounds} rounds; tasks/s = ${config.poolTasksN} / elapsed from submitting the first of ${config.poolTasksN} ` +
        `trivial tasks (x => x * 2), submitted one by one, until all results are in (the sum is checked); a pool of 2 workers per ` +
        `contender, made and warmed (${config.poolTasksWarmupN} tasks) before the rounds and kept across them; peers at their ` +
        `default per-worker concurrency (1 task at a time); effect_worker's submissions go through Effect.forEach with ` +
        `${EFFECT_IN_FLIGHT} in flight (unbounded grows quadratically in its pool's semaphore)`,
      rounds,
      warmup: config.poolTasksWarmupN,
      work: config.poolTasksN,
      summarize: (x) => x,
      teardown: () => teardown(python),
      contenders: [
        node[0],
        { key: "python", label: "python (multiprocessing.Pool(2), spawn: apply_async each, then get each)", run: pythonTasks(python), python: true, optional: true },
        ...node.slice(1)
      ]
    })
  }

  {
    const keys = ["ours", "piscina", "workerpool", "effect_worker"]
    const { keepers, teardown } = withKeepers(keys)
    const calls = {
      ours: "await pool.apply(f, [x])",
      piscina: "await pool.run(x)",
      workerpool: "await pool.exec(\"double\", [x])",
      effect_worker: "await Effect.runPromise(pool.executeEffect(x))"
    }
    const node = keys.map((key) => ({
      key,
      label: `${adapters[key].label}: ${calls[key]}`,
      run: timedLatency(keepers[key], adapters[key]),
      optional: true
    })).map(bounded)
    metrics.push({
      name: "pool_task_latency_us",
      better: "lower",
      how: `median of ${rounds} rounds; a round's figure is the median µs of ${config.poolLatencyN} tasks (x => x * 2) run one at ` +
        `a time (submit, await the result, repeat); a pool of 2 workers per contender, made and warmed ` +
        `(${config.poolLatencyWarmupN} tasks) before the rounds and kept across them`,
      rounds,
      warmup: config.poolLatencyWarmupN,
      work: config.poolLatencyN,
      summarize: (samples) => median(samples),
      teardown: () => teardown(python),
      contenders: [
        node[0],
        { key: "python", label: "python (multiprocessing.Pool(2), spawn: pool.apply(double, (x,)))", run: pythonLatency(python), python: true, optional: true },
        ...node.slice(1)
      ]
    })
  }

  {
    const { keepers, teardown } = withKeepers(["ours"])
    const n = 1_000_000
    metrics.push({
      name: "shm_array_sum_1m_ms",
      better: "lower",
      how: `median of ${rounds} rounds; ms for one starmap over a pool of 2 workers summing the two halves of ${n} float64 ` +
        "in one SharedMemory (made and filled untimed; each task attaches it by name, views it as float64 and sums its half); " +
        "the sum is checked; the pools are made and warmed (one untimed run) before the rounds and kept across them",
      rounds,
      warmup: n,
      work: n,
      summarize: (x) => x,
      teardown: () => teardown(python),
      contenders: [
        bounded({ key: "ours", label: "ours (compat SharedMemory as the task's argument, Float64Array over buf)", run: oursShmSum(keepers.ours), optional: true }),
        {
          key: "python",
          label: "python (multiprocessing.Pool(2), spawn, shared_memory.SharedMemory by name, sum(buf.cast('d')[start:end]))",
          run: pythonShmSum(python),
          python: true,
          optional: true
        }
      ]
    })
  }

  // The thread pool rows: ours with the "thread" start method beside the thread pools of Node (piscina, tinypool,
  // workerpool's thread mode, @effect/platform's NodeWorker over worker_threads), the same work as
  // pool_tasks_100k_per_s and pool_task_latency_us.
  for (const [name, better, run, warmup, work, summarize, call, what] of [
    ["thread_pool_tasks_100k_per_s", "higher", timedTasks, config.poolTasksWarmupN, config.poolTasksN, (x) => x,
      {
        ours_thread: "applyAsync(f, [x]) each, then get() each",
        piscina: "run(x) each, then Promise.all",
        tinypool: "run(x) each, then Promise.all",
        workerpool_thread: "exec(\"double\", [x]) each, then Promise.all",
        effect_worker_thread: `Effect.forEach(xs, executeEffect, { concurrency: ${EFFECT_IN_FLIGHT} })`
      },
      `tasks/s = ${config.poolTasksN} / elapsed from submitting the first of ${config.poolTasksN} trivial tasks (x => x * 2), ` +
        "submitted one by one, until all results are in (the sum is checked)"],
    ["thread_pool_task_latency_us", "lower", timedLatency, config.poolLatencyWarmupN, config.poolLatencyN, (samples) => median(samples),
      {
        ours_thread: "await pool.apply(f, [x])",
        piscina: "await pool.run(x)",
        tinypool: "await pool.run(x)",
        workerpool_thread: "await pool.exec(\"double\", [x])",
        effect_worker_thread: "await Effect.runPromise(pool.executeEffect(x))"
      },
      `a round's figure is the median µs of ${config.poolLatencyN} tasks (x => x * 2) run one at a time (submit, await, repeat)`]
  ]) {
    const keys = ["ours_thread", "piscina", "tinypool", "workerpool_thread", "effect_worker_thread"]
    const { keepers, teardown } = withKeepers(keys)
    metrics.push({
      name,
      better,
      how: `median of ${rounds} rounds; ${what}; a pool of 2 threads per contender, made and warmed (${warmup} tasks) before ` +
        "the rounds and kept across them; peers at their default per-worker concurrency (1 task at a time per thread); " +
        `effect_worker's submissions go through Effect.forEach with ${EFFECT_IN_FLIGHT} in flight`,
      rounds,
      warmup,
      work,
      summarize,
      teardown: () => teardown(undefined),
      // Keys as the process rows' (ours, workerpool, effect_worker): the row's name says they are threads.
      contenders: keys.map((key) =>
        bounded({
          key: key === "ours_thread" ? "ours" : key.replace(/_thread$/, ""),
          label: `${adapters[key].label}: ${call[key]}`,
          run: run(keepers[key], adapters[key]),
          optional: true
        })
      )
    })
  }

  metrics.push({
    name: "pool_crash_detect_ms",
    better: "lower",
    how: `median of ${rounds} rounds; a round's figure is the median of ${config.poolCrashKills} kills: ms from SIGKILL of a worker ` +
      "that is in a task (() => new Promise(() => {})) until that task's promise rejects with WorkerLostError; a fresh " +
      "Pool(2) per kill, made, warmed and closed untimed (target < 100 ms)",
    rounds,
    warmup: 1,
    work: config.poolCrashKills,
    summarize: (samples) => median(samples),
    contenders: [bounded({ key: "ours", label: "ours (compat Pool(2), pool.apply of a never-settling task)", run: oursCrashDetect, optional: true })]
  })

  return metrics
}
