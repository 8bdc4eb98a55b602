/**
 * `npm run bench` (or `node bench/run.js [--quick] [--only=text]` after a build): runs every
 * benchmark in one run, prints a table and writes bench/results/latest.json,
 * shaped `{ "metric_name": { "ours": n, "python_spawn": n, … } }` with units in
 * the metric name.
 *
 * Machines are noisy, so each metric runs in rounds; within a round every
 * contender runs once, in an order rotated from round to round (ours, peer,
 * ours, peer …) so that drift hits all of them alike. A contender's figure is
 * the median of its per-round figures, and ratios are ours/peer from this run.
 *
 * Metrics:
 *   process_start_join_ms                      lower is better
 *   process_start_with_queue_ms                lower is better (a child given a Queue puts one item; start, get, join)
 *   process_start_effect_module_ms             lower is better (a module target that imports Effect: start, result, join)
 *   process_start_spaced_ms                    lower is better (the same with a pause between starts: ready processes have booted)
 *   codec_small_object_roundtrip_ops_per_s     higher is better
 *   codec_1mib_float64array_roundtrip_ops_per_s higher is better
 *   pipe_pingpong_rtt_us                       lower is better
 *   pipe_pingpong_busy_rtt_us                  lower is better (the same while a third process keeps one core busy)
 *   pipe_bytes_1k_msgs_per_s                   higher is better
 *   pipe_objects_msgs_per_s                    higher is better
 *   lock_acquire_release_us                    lower is better (owner-local and from another process)
 *   value_increment_under_lock_us              lower is better (two processes incrementing at once)
 *   event_pingpong_rtt_us                      lower is better (two Events: set one, wait on the other, with a child)
 *   condition_notify_rtt_us                    lower is better (one Condition and a turn: notify, wait for the turn back, with a child)
 *   barrier_pass_us                            lower is better (a Barrier of 2 parties, this process and a child, passed in a loop)
 *   queue_1to1_items_per_s                     higher is better (one producer child → one consumer child)
 *   queue_4to4_items_per_s                     higher is better (four producer children → four consumer children)
 *   joinable_queue_items_per_s                 higher is better (JoinableQueue: taskDone per item, then join)
 *   manager_startup_ms                         lower is better (Manager() until it serves; shutdown() untimed)
 *   manager_dict_set_us                        lower is better (d[key] = value through a manager's dict proxy)
 *   manager_dict_get_us                        lower is better (d[key] through a manager's dict proxy)
 *   pool_map_200k_ms                           lower is better (map of x => x * 2 over 200 000 integers, default chunking)
 *   pool_tasks_100k_per_s                      higher is better (100 000 tasks submitted one by one, then all awaited)
 *   pool_task_latency_us                       lower is better (one task at a time: submit, await, repeat)
 *   thread_start_join_ms                       lower is better (start + join of a "thread" child; bare new Worker beside, bench/threads.js)
 *   thread_lock_acquire_release_us             lower is better (in a thread, of a Lock the main thread made; threading.Lock beside)
 *   thread_queue_1to1_items_per_s              higher is better (a Queue from a thread to the main thread; queue.Queue beside)
 *   thread_pool_tasks_100k_per_s               higher is better (as pool_tasks_100k_per_s, ThreadPool(2) beside piscina,
 *                                              tinypool, workerpool's and @effect/platform's pools over worker_threads)
 *   thread_pool_task_latency_us                lower is better (as pool_task_latency_us, the same pools)
 *   pool_crash_detect_ms                       lower is better (ours only: SIGKILL of a busy worker until its task rejects)
 *   shm_array_sum_1m_ms                        lower is better (a pool of 2 sums the halves of 1 M float64 in one SharedMemory)
 *   cluster_map_10k_ms                         lower is better (map of 10 000 integers on the cluster Pool, 3 local runners, beside local_pool)
 *   cluster_task_latency_us                    lower is better (one apply at a time, the same pools; bench/cluster.js)
 *
 * The pool rows live in bench/pool.js. Their contenders are `optional`: one that fails is shown as
 * n/a with its error and the run goes on (other rows still fail the whole run, as before).
 */
import { spawn } from "node:child_process"
import { deepStrictEqual } from "node:assert/strict"
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import * as os from "node:os"
import * as v8 from "node:v8"
import { Serializer, Target } from "effect-multiprocessing"
import { activeChildren, Barrier, Event, Lock, Manager, Pipe, Process, Queue, setStartMethod, Value } from "effect-multiprocessing/compat"
import { queueThroughput } from "./queue.js"
import { barrierPass, conditionPingPong, eventPingPong, lockLocal, lockRemote, valueIncrement } from "./sync.js"
import * as codec from "../dist/internal/codec/codec.js"
import { fmt, isAlive, max, median, min, opsPerSecond, roundForJson, rotate, sink } from "./harness.js"
import { clusterMetrics } from "./cluster.js"
import { poolMetrics } from "./pool.js"
import { threadMetrics } from "./threads.js"
import { PythonPeer } from "./pythonPeer.js"

const quick = process.argv.includes("--quick")
// --only=pipe,lock runs the metrics whose name contains "pipe" or "lock"; a part that starts with "^" matches the
// start of a name only (--only=^queue_1to1 leaves thread_queue_1to1 out). A partial run leaves latest.json alone.
const only = process.argv.find((arg) => arg.startsWith("--only="))?.slice("--only=".length).split(",")
const config = quick
  ? { startRounds: 2, startIterations: 8, startWarmup: 2, startPauseMs: 150, codecRounds: 3, codecBudgetMs: 80, codecWarmupMs: 80,
    pipeRounds: 3, pingN: 300, pingWarmupMs: 150, streamN: 10000, streamWarmupMs: 150,
    syncRounds: 3, lockN: 1000, incrementN: 20000, eventN: 300, syncWarmupMs: 150, lockBudgetMs: 80, threadQueueN: 2000, threadQueueWarm: 200,
    queueRounds: 3, queueWarmupN: 1000, queueChildWarmupN: 1000, queue1to1N: 20000, queue4to4N: 5000, joinableN: 10000, queueTimeoutS: 120,
    managerRounds: 3, managerStarts: 5, managerStartWarmup: 2, managerN: 1000, managerWarmupN: 100,
    poolRounds: 3, poolMapN: 200000, poolMapWarmupN: 20000, poolTasksN: 10000, poolTasksWarmupN: 2000,
    poolLatencyN: 300, poolLatencyWarmupN: 300, poolCrashKills: 1, poolTimeoutS: 120 }
  : { startRounds: 7, startIterations: 30, startWarmup: 3, startPauseMs: 150, codecRounds: 9, codecBudgetMs: 300, codecWarmupMs: 300,
    pipeRounds: 7, pingN: 2000, pingWarmupMs: 500, streamN: 50000, streamWarmupMs: 500,
    syncRounds: 7, lockN: 5000, incrementN: 100000, eventN: 2000, syncWarmupMs: 500, lockBudgetMs: 300, threadQueueN: 20000, threadQueueWarm: 2000,
    queueRounds: 7, queueWarmupN: 2000, queueChildWarmupN: 20000, queue1to1N: 200000, queue4to4N: 50000, joinableN: 100000, queueTimeoutS: 120,
    managerRounds: 7, managerStarts: 15, managerStartWarmup: 3, managerN: 5000, managerWarmupN: 200,
    poolRounds: 7, poolMapN: 200000, poolMapWarmupN: 200000, poolTasksN: 100000, poolTasksWarmupN: 20000,
    poolLatencyN: 2000, poolLatencyWarmupN: 1000, poolCrashKills: 3, poolTimeoutS: 300 }

// If anything is left holding the event loop once we are done, say so instead of hanging.
const watchdog = () =>
  setTimeout(() => {
    console.error("bench: something still holds the event loop after the run; exiting")
    process.exit(1)
  }, 15_000).unref()

// ---------------------------------------------------------------------------
// Contenders

const python = new PythonPeer()
let pythonVersion = "unavailable"
try {
  pythonVersion = (await python.request({ cmd: "info" })).python
} catch (error) {
  console.error(`bench: python3 peer unavailable, python figures will be n/a (${error.message})`)
}
const pythonAvailable = pythonVersion !== "unavailable"

// 1. process start + join

const emptyTarget = () => {}

const oursStartJoin = async (n, pauseMs = 0) => {
  const out = []
  for (let i = 0; i < n; i++) {
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs))
    const t0 = performance.now()
    const p = new Process({ target: emptyTarget })
    p.start()
    const code = await p.join()
    out.push(performance.now() - t0)
    p.close()
    if (code !== 0) throw new Error(`ours: child exited with ${code}`)
  }
  return out
}

// The same with ready processes ("forkserver"): each start takes a booted spare, and a replacement boots meanwhile.
const oursReadyStartJoin = (pauseMs) => (n) => withReadyProcesses((n) => oursStartJoin(n, pauseMs))(n)

const spawnEmptyNode = () =>
  new Promise((resolve, reject) => {
    // The same stdio as our children (stdin ignored, stdout/stderr inherited), so the floor is a floor.
    const child = spawn(process.execPath, ["-e", ""], { stdio: ["ignore", "inherit", "inherit"] })
    child.once("error", reject)
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`node_floor: child exited with ${code}`))))
  })

const nodeFloorStartJoin = async (n) => {
  const out = []
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    await spawnEmptyNode()
    out.push(performance.now() - t0)
  }
  return out
}

const pythonStartJoin = (method, pauseMs = 0) => async (n) =>
  (await python.request({ cmd: "start_join", method, n, pause_ms: pauseMs })).ms

// A child given a Queue that puts one item: start, the parent's get of that item, join. The queue is made
// once per round, untimed; what is timed is what a child pays to revive a shared object and use it.
const putOne = async (q, i) => {
  await q.put(i)
}

const oursStartWithQueue = async (n) => {
  const q = new Queue()
  const out = []
  try {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now()
      const p = new Process({ target: putOne, args: [q, i] })
      p.start()
      const got = await q.get()
      const code = await p.join()
      out.push(performance.now() - t0)
      p.close()
      if (code !== 0 || got !== i) throw new Error(`ours: child exited with ${code}, item ${got} for ${i}`)
    }
  } finally {
    q.close()
  }
  return out
}

const effectTarget = Target.moduleExport(new URL("./workers/effectTarget.mjs", import.meta.url), "succeedWith")

// A module target that imports Effect and returns an Effect: start, result, join.
const oursStartEffectModule = async (n) => {
  const out = []
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    const p = new Process({ target: effectTarget, args: [i] })
    p.start()
    const got = await p.result()
    const code = await p.join()
    out.push(performance.now() - t0)
    p.close()
    if (code !== 0 || got !== i) throw new Error(`ours: child exited with ${code}, result ${got} for ${i}`)
  }
  return out
}

/** `run` with the start-up snapshot turned off (read at each start): the ordinary path, beside it in the same run. */
const withoutSnapshot = (run) => async (n) => {
  const before = process.env.EFFECT_MULTIPROCESSING_SNAPSHOT
  process.env.EFFECT_MULTIPROCESSING_SNAPSHOT = "0"
  try {
    return await run(n)
  } finally {
    if (before === undefined) delete process.env.EFFECT_MULTIPROCESSING_SNAPSHOT
    else process.env.EFFECT_MULTIPROCESSING_SNAPSHOT = before
  }
}

const pythonStartWithQueue = (method) => async (n) => (await python.request({ cmd: "start_with_queue", n, method })).ms

/** `run` under the start method "forkserver" (ready processes, 2 kept), then "spawn" again. */
const withReadyProcesses = (run) => async (n) => {
  setStartMethod("forkserver", { force: true, readyProcesses: 2 })
  try {
    return await run(n)
  } finally {
    setStartMethod("spawn", { force: true })
  }
}

// 2. and 3. codecs

const smallObject = { id: 42, name: "task-42", tags: ["a", "b"], ok: true, score: 3.14, nested: { x: 1, y: [1, 2, 3] } }
const f64 = new Float64Array(131072).map((_, i) => i * 1.5) // 1 MiB

const unwrap = (either) => {
  if (either._tag !== "Right") throw either.left
  return either.right
}
const roundTrips = {
  ours: (v) => unwrap(Serializer.unknown.decode(unwrap(Serializer.unknown.encode(v)))),
  ours_codec: (v) => codec.decode(codec.encode(v)),
  json: (v) => JSON.parse(JSON.stringify(v)),
  json_bytes: (v) => JSON.parse(Buffer.from(JSON.stringify(v), "utf8").toString("utf8")),
  v8: (v) => v8.deserialize(v8.serialize(v))
}

const nodeCodec = (key, value, consume) => {
  const roundTrip = roundTrips[key]
  deepStrictEqual(roundTrip(value), value, `${key} does not round-trip the value`)
  const fn = () => {
    sink.value += consume(roundTrip(value))
  }
  return async (budgetMs) => opsPerSecond(fn, budgetMs)
}
const pythonCodec = (pyCase) => async (budgetMs) => (await python.request({ cmd: "codec", case: pyCase, budget_ms: budgetMs })).ops_per_s

// 4., 5. and 6. pipes: one child per round, started and joined outside the timed part.
// Inline targets travel as source text, so they use only their arguments.

// Echoes until the empty message, which it echoes too.
const echoTarget = async (conn) => {
  for (;;) {
    const message = await conn.recvBytes()
    await conn.sendBytes(message)
    if (message.length === 0) return
  }
}

// Sends as many messages as each request (a 4-byte count) asks for; a count of 0 ends it.
const streamTarget = async (conn, kind) => {
  const bytes = new Uint8Array(1024).fill(7)
  for (let sent = 0; ;) {
    const message = await conn.recvBytes()
    const count = new DataView(message.buffer, message.byteOffset, 4).getInt32(0)
    if (count === 0) return
    for (let i = 0; i < count; i++, sent++) {
      if (kind === "bytes") await conn.sendBytes(bytes)
      else await conn.send({ id: sent, name: "task", tags: ["a", "b"], ok: true, score: 3.14 })
    }
  }
}

const withChild = async (target, args, body) => {
  const [here, there] = await Pipe()
  const child = new Process({ target, args: [there, ...args] })
  let result
  try {
    child.start()
    there.close()
    result = await body(here)
  } finally {
    here.close()
    const code = await child.join()
    child.close()
    if (result !== undefined && code !== 0) throw new Error(`ours: pipe child exited with ${code}`)
  }
  return result
}

// Per-message round trips in microseconds, after `pingWarmupMs` of untimed ones: the same time on
// both sides, long enough for V8 to have compiled the hot path (Python has nothing to warm).
const oursPingPong = async (n) =>
  withChild(echoTarget, [], async (conn) => {
    const msg = new Uint8Array(16).fill(1)
    await conn.sendBytes(msg) // the child is up once it answers: warm-up starts then
    await conn.recvBytes()
    const warmUntil = performance.now() + config.pingWarmupMs
    while (performance.now() < warmUntil) {
      await conn.sendBytes(msg)
      await conn.recvBytes()
    }
    const out = []
    for (let i = 0; i < n; i++) {
      const t0 = performance.now()
      await conn.sendBytes(msg)
      const echo = await conn.recvBytes()
      const t1 = performance.now()
      if (echo.length !== 16) throw new Error("ours: bad echo")
      out.push((t1 - t0) * 1000)
    }
    await conn.sendBytes(new Uint8Array(0))
    await conn.recvBytes()
    return out
  })

const request = (count) => {
  const bytes = new Uint8Array(4)
  new DataView(bytes.buffer).setInt32(0, count)
  return bytes
}

// Messages per second received by the parent: asks for `n` and times until the n-th has arrived,
// after `streamWarmupMs` of untimed batches (the same time on both sides).
const oursStream = (kind) => async (n) =>
  withChild(streamTarget, [kind], async (conn) => {
    const recv = kind === "bytes" ? () => conn.recvBytes() : () => conn.recv()
    await conn.sendBytes(request(1)) // the child is up once it answers: warm-up starts then
    await recv()
    let received = 1
    const warmUntil = performance.now() + config.streamWarmupMs
    while (performance.now() < warmUntil) {
      await conn.sendBytes(request(5000))
      for (let i = 0; i < 5000; i++) await recv()
      received += 5000
    }
    let last
    const t0 = performance.now()
    await conn.sendBytes(request(n))
    for (let i = 0; i < n; i++) last = await recv()
    const t1 = performance.now()
    await conn.sendBytes(request(0))
    if (kind === "bytes" ? last.length !== 1024 : last.id !== received + n - 1) {
      throw new Error(`ours: unexpected ${kind} stream content`)
    }
    return n / ((t1 - t0) / 1000)
  })

const pythonPingPong = async (n) => (await python.request({ cmd: "pipe_pingpong", n, warmup_ms: config.pingWarmupMs })).us

// A third process that keeps one core busy (a plain busy loop, as another program computing would),
// started by the first contender that runs and stopped by the metric's teardown.
let hog
const withBusyCore = (run) => async (n) => {
  hog ??= spawn(process.execPath, ["-e", "for (;;);"], { stdio: "ignore" })
  return run(n)
}
const stopBusyCore = async () => {
  if (hog === undefined) return
  const exited = new Promise((resolve) => hog.once("exit", resolve))
  hog.kill("SIGKILL")
  await exited
  hog = undefined
}
const pythonStream = (kind) => async (n) =>
  (await python.request({ cmd: "pipe_stream", kind, n, warmup_ms: config.streamWarmupMs })).msgs_per_s

// 7. and 8. shared primitives: served by this process, used from children.

const lockRemoteRuns = new Map()
const oursLockRemote = (statistic, form = "async") => async (n) => {
  // One child per round serves both statistics: the median contender runs it, the mean one reads it.
  if (statistic === "mean" && form === "async" && lockRemoteRuns.has(n)) {
    const result = lockRemoteRuns.get(n)
    lockRemoteRuns.delete(n)
    return result.mean
  }
  const result = await lockRemote(n, config.syncWarmupMs, form)
  if (statistic === "median" && form === "async") lockRemoteRuns.set(n, result)
  return result[statistic]
}

const oursLockLocal = () => lockLocal(config.syncWarmupMs, config.lockBudgetMs)

const oursValueIncrement = (form) => (n) => valueIncrement(n, config.syncWarmupMs, form)

// The served backend beside the shared-memory one: the same measure in a process with the addon
// disabled (bench/sync.js; its children inherit the setting).
const served = (what) => async (n) => {
  const child = spawn(process.execPath, [new URL("./sync.js", import.meta.url).pathname, what, String(n), String(config.syncWarmupMs), String(config.lockBudgetMs)], {
    env: { ...process.env, EFFECT_MULTIPROCESSING_NATIVE: "0" },
    stdio: ["ignore", "pipe", "inherit"]
  })
  let out = ""
  child.stdout.on("data", (chunk) => (out += chunk))
  const code = await new Promise((resolve) => child.on("exit", resolve))
  if (code !== 0) throw new Error(`bench/sync.js ${what} exited with ${code}`)
  return JSON.parse(out)
}

const pythonLock = (cmd) => async (n) =>
  (await python.request({ cmd, n, warmup_ms: config.syncWarmupMs, budget_ms: config.lockBudgetMs })).us

// 9., 10. and 11. queues: made by this process, put to and taken from by children only; fresh
// children, queues and start Event per round. Each child first reaches the parent (a consumer puts
// and takes one warm-up item, a producer asks whether `start` is set), reports "ready" on `done` and
// waits on `start`. The timed part runs from start.set() to the last report on `done`: each
// consumer's sum of the ids it took (and, for a JoinableQueue, the producer's "joined" once its
// join() has returned). Every wait on `done` gives up after `timeoutS`: a lost item fails the round.

const oursQueue = (joinable, producers, consumers) => (n) =>
  queueThroughput(joinable, producers, consumers, n, config.queueChildWarmupN, config.queueTimeoutS)

// The served backend beside the ring: the same measure in a process with the addon disabled.
const oursQueueServed = (joinable, producers, consumers) => async (n) => {
  const args = [joinable, producers, consumers, n, config.queueChildWarmupN, config.queueTimeoutS].map(String)
  const child = spawn(process.execPath, [new URL("./queue.js", import.meta.url).pathname, ...args], {
    env: { ...process.env, EFFECT_MULTIPROCESSING_NATIVE: "0" },
    stdio: ["ignore", "pipe", "inherit"]
  })
  let out = ""
  child.stdout.on("data", (chunk) => (out += chunk))
  const code = await new Promise((resolve) => child.on("exit", resolve))
  if (code !== 0) throw new Error(`bench/queue.js exited with ${code}`)
  return JSON.parse(out)
}

const pythonQueue = (kind, producers, consumers) => async (n) =>
  (await python.request({
    cmd: "queue_throughput",
    kind,
    producers,
    consumers,
    n,
    warm: config.queueChildWarmupN,
    timeout_s: config.queueTimeoutS
  })).items_per_s

// 12., 13. and 14. managers: Manager() starts a manager process (ours and Python's alike), which
// serves the objects it makes; this process calls them through proxies.

// Milliseconds per start, from calling Manager() until it returns: the manager process serves and
// has told this process where. Its shutdown() follows, untimed, before the next start.
const oursManagerStartup = async (n) => {
  const out = []
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    const manager = await Manager()
    out.push(performance.now() - t0)
    await manager.shutdown()
  }
  return out
}

// One run per round serves both statistics: the median contender runs it, the mean one reads it
// (as oursLockRemote does).
const medianAndMean = (run) => {
  const runs = new Map()
  return (statistic) => async (n) => {
    if (statistic === "mean" && runs.has(n)) {
      const result = runs.get(n)
      runs.delete(n)
      return result.mean
    }
    const result = await run(n)
    if (statistic === "median") runs.set(n, result)
    return result[statistic]
  }
}

// Microseconds per d[key] = value (op "set": setItem(i % 100, i)) or d[key] (op "get": getItem(i % 100))
// from this process, after `syncWarmupMs` of the same: each call timed alone (median), and the mean.
// A fresh manager and dict (keys 0..99 set to themselves) per round, made and shut down outside the timed part.
const oursManagerDict = (op) =>
  medianAndMean(async (n) => {
    const manager = await Manager()
    try {
      const d = await manager.dict()
      for (let k = 0; k < 100; k++) await d.setItem(k, k)
      const call = op === "set" ? (i) => d.setItem(i % 100, i) : (i) => d.getItem(i % 100)
      const warmUntil = performance.now() + config.syncWarmupMs
      while (performance.now() < warmUntil) {
        for (let i = 0; i < 100; i++) await call(i)
      }
      const calls = []
      let sum = 0
      const t0 = performance.now()
      for (let i = 0; i < n; i++) {
        const start = performance.now()
        const got = await call(i)
        calls.push(performance.now() - start)
        if (op === "get") sum += got
      }
      const mean = ((performance.now() - t0) * 1000) / n
      if (op === "get" ? sum !== expectedKeySum(n) : (await d.getItem((n - 1) % 100)) !== n - 1) {
        throw new Error(`ours: unexpected dict content after ${n} ${op}s`)
      }
      calls.sort((a, b) => a - b)
      return { median: calls[calls.length >> 1] * 1000, mean }
    } finally {
      await manager.shutdown()
    }
  })

// The sum of i % 100 for i in 0..n-1: what n gets of keys set to themselves add up to.
const expectedKeySum = (n) => 4950 * Math.floor(n / 100) + ((n % 100) * ((n % 100) - 1)) / 2

const pythonManagerStartup = (method) => async (n) => (await python.request({ cmd: "manager_startup", n, method })).ms
const pythonManagerDict = (op) =>
  medianAndMean(async (n) => python.request({ cmd: "manager_dict", op, n, warmup_ms: config.syncWarmupMs }))

// ---------------------------------------------------------------------------
// Metrics

/** A codec round-trip metric: timed loops of a fixed budget per round, higher is better. */
const codecMetric = (name, what, contenders) => ({
  name,
  better: "higher",
  how: `median of ${config.codecRounds} rounds of ${config.codecBudgetMs} ms each; encode+decode of ${what}`,
  rounds: config.codecRounds,
  warmup: config.codecWarmupMs,
  work: config.codecBudgetMs,
  summarize: (x) => x,
  contenders
})

// Child → parent streams, ours and Python's: `kind` is "bytes" or "objects".
const streamMetric = (name, kind, items, oursCalls, pythonCalls) => ({
  name,
  better: "higher",
  how: `median of ${config.pipeRounds} rounds; child → parent, ${config.streamN} ${items} / parent's elapsed ` +
    `from the request to the last message (after ${config.streamWarmupMs} ms of untimed batches), one fresh child per round`,
  rounds: config.pipeRounds,
  warmup: 1000,
  work: config.streamN,
  summarize: (x) => x,
  contenders: [
    { key: "ours", label: `ours (compat Pipe, ${oursCalls})`, run: oursStream(kind) },
    { key: "python", label: `python (multiprocessing.Pipe, spawn, ${pythonCalls})`, run: pythonStream(kind), python: true }
  ]
})

// d[key] = value or d[key] through a manager's dict proxy, from this process: `op` is "set" or "get".
const managerDictMetric = (name, op, what, oursCall) => {
  const ours = oursManagerDict(op)
  const py = pythonManagerDict(op)
  return {
    name,
    better: "lower",
    how: `median of ${config.managerRounds} rounds; µs per ${what} (key i % 100, ${op === "set" ? "value i" : "keys 0..99 set to themselves"}) ` +
      `from the parent through a dict proxy of a manager process, ${config.managerN} calls after ${config.syncWarmupMs} ms of ` +
      `untimed ones, each call timed: median, and mean; a fresh manager and dict per round, started, filled and shut down ` +
      `outside the timed part`,
    rounds: config.managerRounds,
    warmup: config.managerWarmupN,
    work: config.managerN,
    summarize: (x) => x,
    contenders: [
      { key: "ours", label: `ours (compat Manager().dict(), await d.${oursCall}; median call)`, run: ours("median") },
      { key: "ours_mean", label: "ours_mean (the same, mean of the calls)", run: ours("mean") },
      { key: "python", label: `python (spawn context's Manager().dict(), ${what}; median call)`, run: py("median"), python: true },
      { key: "python_mean", label: "python_mean (the same, mean of the calls)", run: py("mean"), python: true }
    ]
  }
}

// Producer children → consumer children through a queue the parent made; `kind` is "Queue" or "JoinableQueue".
const queueMetric = (name, kind, producers, consumers, n) => {
  const joinable = kind === "JoinableQueue"
  // "1 producer child puts", "4 producer children put"
  const who = (count, role, verb) => (count === 1 ? `1 ${role} child ${verb}s` : `${count} ${role} children ${verb}`)
  return {
    name,
    better: "higher",
    how: `median of ${config.queueRounds} rounds; items/s = ${producers * n} / the parent's elapsed from setting a start Event until ` +
      `every consumer child has reported on a second queue the sum of the ids it got (the total is checked)` +
      (joinable ? " and the producer child that its join() returned" : "") +
      `; ${who(producers, "producer", "put")} ${n} items { id, producer } each into an unbounded ${kind} made by the parent, ` +
      `${who(consumers, "consumer", "get")} ${(n * producers) / consumers} each` +
      (joinable ? ", calling taskDone() per item; the producer calls join() after its puts" : "") +
      `; fresh children per round, started, warmed up (each child puts then gets ${config.queueChildWarmupN} items, ` +
      "consumers before producers start), ready on the second queue, and joined outside the timed part",
    rounds: config.queueRounds,
    warmup: config.queueWarmupN,
    work: n,
    summarize: (x) => x,
    contenders: [
      {
        key: "ours",
        label: `ours (compat ${kind}, ${joinable ? "put / get + taskDone / join" : "put / get"})`,
        run: oursQueue(joinable, producers, consumers)
      },
      {
        key: "ours_served",
        label: "ours_served (the same with the addon disabled: items served by the parent)",
        run: oursQueueServed(joinable, producers, consumers)
      },
      {
        key: "python",
        label: `python (multiprocessing.${kind}, spawn, ${joinable ? "put / get + task_done / join" : "put / get"})`,
        run: pythonQueue(kind, producers, consumers),
        python: true
      }
    ]
  }
}

const metrics = [
  {
    name: "process_start_join_ms",
    better: "lower",
    how: `median of ${config.startRounds} rounds; a round's figure is the median of ${config.startIterations} sequential start+join`,
    rounds: config.startRounds,
    warmup: config.startWarmup,
    work: config.startIterations,
    // a round gives per-iteration ms; its figure is their median
    summarize: (samples) => median(samples),
    contenders: [
      { key: "ours", label: "ours (compat Process, inline target)", run: oursStartJoin },
      { key: "ours_ready", label: "ours_ready (the same, start method \"forkserver\": ready processes)", run: oursReadyStartJoin(0) },
      { key: "node_floor", label: "node_floor (child_process.spawn node -e '')", run: nodeFloorStartJoin },
      { key: "python_spawn", label: "python_spawn (multiprocessing, spawn)", run: pythonStartJoin("spawn"), python: true },
      { key: "python_forkserver", label: "python_forkserver (multiprocessing, forkserver)", run: pythonStartJoin("forkserver"), python: true }
    ]
  },
  {
    name: "process_start_with_queue_ms",
    better: "lower",
    how: `median of ${config.startRounds} rounds; a round's figure is the median of ${config.startIterations} sequential starts of a child given a Queue that puts one item, the parent's get of it, and the join`,
    rounds: config.startRounds,
    warmup: config.startWarmup,
    work: config.startIterations,
    summarize: (samples) => median(samples),
    contenders: [
      { key: "ours", label: "ours (compat Process given a compat Queue, inline target: await q.put(i); from the start-up snapshot)", run: oursStartWithQueue },
      { key: "ours_no_snapshot", label: "ours_no_snapshot (the same, EFFECT_MULTIPROCESSING_SNAPSHOT=0)", run: withoutSnapshot(oursStartWithQueue) },
      { key: "ours_ready", label: "ours_ready (the same, start method \"forkserver\": ready processes of the snapshot)", run: withReadyProcesses(oursStartWithQueue) },
      { key: "python", label: "python (multiprocessing spawn Process given a Queue: q.put(i))", run: pythonStartWithQueue("spawn"), python: true },
      { key: "python_forkserver", label: "python_forkserver (the same, forkserver context)", run: pythonStartWithQueue("forkserver"), python: true }
    ]
  },
  {
    name: "process_start_effect_module_ms",
    better: "lower",
    how: `median of ${config.startRounds} rounds; a round's figure is the median of ${config.startIterations} sequential starts of a process whose module target imports Effect and returns Effect.succeed(i), the parent's await of its result, and the join`,
    rounds: config.startRounds,
    warmup: config.startWarmup,
    work: config.startIterations,
    summarize: (samples) => median(samples),
    contenders: [
      { key: "ours", label: "ours (compat Process, module target importing effect; from the start-up snapshot)", run: oursStartEffectModule },
      { key: "ours_no_snapshot", label: "ours_no_snapshot (the same, EFFECT_MULTIPROCESSING_SNAPSHOT=0)", run: withoutSnapshot(oursStartEffectModule) },
      { key: "python_spawn", label: "python_spawn (multiprocessing spawn Process start+join: Python has no Effect to load)", run: pythonStartJoin("spawn"), python: true }
    ]
  },
  {
    name: "process_start_spaced_ms",
    better: "lower",
    how: `as process_start_join_ms, with ${config.startPauseMs} ms untimed between starts (a program starting a process per job, not in a tight loop)`,
    rounds: config.startRounds,
    warmup: config.startWarmup,
    work: config.startIterations,
    summarize: (samples) => median(samples),
    contenders: [
      { key: "ours", label: "ours (compat Process, start method \"forkserver\": ready processes)", run: oursReadyStartJoin(config.startPauseMs) },
      { key: "ours_spawn", label: "ours_spawn (the same, start method \"spawn\")", run: (n) => oursStartJoin(n, config.startPauseMs) },
      { key: "python_forkserver", label: "python_forkserver (multiprocessing, forkserver)", run: pythonStartJoin("forkserver", config.startPauseMs), python: true },
      { key: "python_spawn", label: "python_spawn (multiprocessing, spawn)", run: pythonStartJoin("spawn", config.startPauseMs), python: true }
    ]
  },
  codecMetric("codec_small_object_roundtrip_ops_per_s", "a 6-field object", [
    { key: "ours", label: "ours (Serializer.unknown, Either unwrapped)", run: nodeCodec("ours", smallObject, (v) => v.id) },
    { key: "ours_codec", label: "ours_codec (internal codec, no Either)", run: nodeCodec("ours_codec", smallObject, (v) => v.id) },
    { key: "json", label: "json (stringify+parse, strings)", run: nodeCodec("json", smallObject, (v) => v.id) },
    { key: "json_bytes", label: "json_bytes (stringify→Buffer→parse)", run: nodeCodec("json_bytes", smallObject, (v) => v.id) },
    { key: "v8", label: "v8 (v8.serialize+deserialize)", run: nodeCodec("v8", smallObject, (v) => v.id) },
    { key: "python", label: "python (pickle dumps+loads, protocol 5)", run: pythonCodec("small"), python: true }
  ]),
  codecMetric("codec_1mib_float64array_roundtrip_ops_per_s", "a 131072-element Float64Array", [
    { key: "ours", label: "ours (Serializer.unknown, Either unwrapped)", run: nodeCodec("ours", f64, (v) => v.length) },
    { key: "ours_codec", label: "ours_codec (internal codec, no Either)", run: nodeCodec("ours_codec", f64, (v) => v.length) },
    { key: "v8", label: "v8 (v8.serialize+deserialize)", run: nodeCodec("v8", f64, (v) => v.length) },
    { key: "python", label: "python (pickle of array.array('d'), protocol 5)", run: pythonCodec("f64_1mib"), python: true },
    { key: "python_bytes", label: "python_bytes (pickle of the same 1 MiB as bytes)", run: pythonCodec("bytes_1mib"), python: true }
  ]),
  {
    name: "pipe_pingpong_rtt_us",
    better: "lower",
    how: `median of ${config.pipeRounds} rounds; a round's figure is the median of ${config.pingN} sequential 16-byte send+echo ` +
      `round trips (after ${config.pingWarmupMs} ms of untimed ones), one fresh child per round`,
    rounds: config.pipeRounds,
    warmup: 100,
    work: config.pingN,
    summarize: (samples) => median(samples),
    contenders: [
      { key: "ours", label: "ours (compat Pipe, sendBytes/recvBytes)", run: oursPingPong },
      { key: "python", label: "python (multiprocessing.Pipe, spawn, send_bytes/recv_bytes)", run: pythonPingPong, python: true }
    ]
  },
  {
    name: "pipe_pingpong_busy_rtt_us",
    better: "lower",
    how: `as pipe_pingpong_rtt_us, while a third process busy-loops (one core's worth of work) for the whole metric`,
    rounds: config.pipeRounds,
    warmup: 100,
    work: config.pingN,
    summarize: (samples) => median(samples),
    contenders: [
      { key: "ours", label: "ours (compat Pipe, sendBytes/recvBytes)", run: withBusyCore(oursPingPong) },
      { key: "python", label: "python (multiprocessing.Pipe, spawn, send_bytes/recv_bytes)", run: withBusyCore(pythonPingPong), python: true }
    ],
    teardown: stopBusyCore
  },
  streamMetric("pipe_bytes_1k_msgs_per_s", "bytes", "1 KiB messages", "sendBytes/recvBytes", "send_bytes/recv_bytes"),
  streamMetric("pipe_objects_msgs_per_s", "objects", "5-field objects", "send/recv, default serializer", "send/recv = pickle"),
  {
    name: "lock_acquire_release_us",
    better: "lower",
    how: `median of ${config.syncRounds} rounds; µs per uncontended acquire+release: from a child (${config.lockN} pairs after ` +
      `${config.syncWarmupMs} ms of untimed ones, one fresh child per round; each pair timed: median, and mean), ` +
      `and in the owner (mean over ${config.lockBudgetMs} ms of pairs; Python's are means too: one pair is too short to time); ` +
      "ours is the blocking form (Python's acquire() is one), ours_async the Promise form",
    rounds: config.syncRounds,
    warmup: 200,
    work: config.lockN,
    summarize: (x) => x,
    contenders: [
      { key: "ours", label: "ours (compat Lock made by the parent, from a child: acquireSync()+releaseSync(); mean)", run: oursLockRemote("mean", "sync") },
      { key: "ours_async", label: "ours_async (the same with await acquire()+release(); median pair)", run: oursLockRemote("median") },
      { key: "ours_async_mean", label: "ours_async_mean (the same, mean of the pairs)", run: oursLockRemote("mean") },
      { key: "ours_local", label: "ours_local (compat Lock, in its maker)", run: oursLockLocal },
      { key: "ours_served", label: "ours_served (ours with the addon disabled: served by the parent; median pair)", run: served("lock-median") },
      { key: "python", label: "python (multiprocessing.Lock, from a spawn child)", run: pythonLock("lock_remote"), python: true },
      { key: "python_local", label: "python_local (multiprocessing.Lock, same process)", run: pythonLock("lock_local"), python: true }
    ]
  },
  {
    name: "value_increment_under_lock_us",
    better: "lower",
    how: `median of ${config.syncRounds} rounds; two children each do ${config.incrementN} increments of the parent's Value('i') ` +
      `under its lock at once (after ${config.syncWarmupMs} ms of the same, at least 3000 for ours, untimed), a Barrier, then a gate: each adds 1 to a second Value and spins until it reads 2, ` +
      "so that both time the same contended stretch; " +
      "µs per increment from the first child's start to the last one's end; the total is checked; ours is the blocking form " +
      "(Python's `with v.get_lock()` is one), ours_async the Promise form",
    rounds: config.syncRounds,
    warmup: 100,
    work: config.incrementN,
    summarize: (x) => x,
    contenders: [
      { key: "ours", label: "ours (compat Value, withLockSync(() => { v.value += 1 }))", run: oursValueIncrement("sync") },
      { key: "ours_async", label: "ours_async (compat Value, await withLock(get, set))", run: oursValueIncrement("async") },
      {
        key: "ours_served",
        label: "ours_served (the same with the addon disabled: served by the parent; a twentieth of the increments, at its cost per increment)",
        run: (n) => served("value")(Math.ceil(n / 20))
      },
      { key: "python", label: "python (Value, with get_lock(): value += 1)", run: pythonLock("value_increment"), python: true }
    ]
  },
  {
    name: "event_pingpong_rtt_us",
    better: "lower",
    how: `median of ${config.syncRounds} rounds; µs per round trip over two Events made by the parent (it sets ping and ` +
      `waits on pong, then clears it; a child waits on ping, clears it, sets pong): mean of ${config.eventN} round trips after ` +
      `${config.syncWarmupMs} ms (at least 1000 rounds) of untimed ones, one fresh child per round`,
    rounds: config.syncRounds,
    warmup: 100,
    work: config.eventN,
    summarize: (x) => x,
    contenders: [
      { key: "ours", label: "ours (compat Event)", run: (n) => eventPingPong(n, config.syncWarmupMs) },
      { key: "ours_served", label: "ours_served (the same with the addon disabled: served by the parent)", run: served("event") },
      { key: "python", label: "python (multiprocessing.Event, spawn child)", run: pythonLock("event_pingpong"), python: true }
    ]
  },
  {
    name: "condition_notify_rtt_us",
    better: "lower",
    how: `median of ${config.syncRounds} rounds; µs per round trip over one Condition and a RawValue('i') saying whose turn ` +
      "it is, both made by the parent (it sets the turn to 1 and notifies, then waits until the turn is 0 again; a child " +
      `waits for 1, sets 0 and notifies; each holds the lock but while it waits): mean of ${config.eventN} round trips after ` +
      `${config.syncWarmupMs} ms (at least 1000 rounds) of untimed ones, one fresh child per round`,
    rounds: config.syncRounds,
    warmup: 100,
    work: config.eventN,
    summarize: (x) => x,
    contenders: [
      { key: "ours", label: "ours (compat Condition, RawValue get/set)", run: (n) => conditionPingPong(n, config.syncWarmupMs) },
      { key: "ours_served", label: "ours_served (the same with the addon disabled: served by the parent)", run: served("condition") },
      { key: "python", label: "python (multiprocessing.Condition, RawValue, spawn child)", run: pythonLock("condition_pingpong"), python: true }
    ]
  },
  {
    name: "barrier_pass_us",
    better: "lower",
    how: `median of ${config.syncRounds} rounds; µs per pass of a Barrier(2) made by the parent, the parent and a child ` +
      `each waiting on it in a loop: mean of ${config.eventN} passes after ${config.syncWarmupMs} ms (at least 1000 passes) ` +
      "of untimed ones, one fresh child per round",
    rounds: config.syncRounds,
    warmup: 100,
    work: config.eventN,
    summarize: (x) => x,
    contenders: [
      { key: "ours", label: "ours (compat Barrier)", run: (n) => barrierPass(n, config.syncWarmupMs) },
      { key: "ours_served", label: "ours_served (the same with the addon disabled: served by the parent)", run: served("barrier") },
      { key: "python", label: "python (multiprocessing.Barrier, spawn child)", run: pythonLock("barrier_pass"), python: true }
    ]
  },
  queueMetric("queue_1to1_items_per_s", "Queue", 1, 1, config.queue1to1N),
  queueMetric("queue_4to4_items_per_s", "Queue", 4, 4, config.queue4to4N),
  queueMetric("joinable_queue_items_per_s", "JoinableQueue", 1, 1, config.joinableN),
  {
    name: "manager_startup_ms",
    better: "lower",
    how: `median of ${config.managerRounds} rounds; a round's figure is the median of ${config.managerStarts} sequential starts, ` +
      "each timed from calling Manager() until it returns (the manager process serves and has told the parent where); " +
      "its shutdown() follows, untimed, before the next start",
    rounds: config.managerRounds,
    warmup: config.managerStartWarmup,
    work: config.managerStarts,
    summarize: (samples) => median(samples),
    contenders: [
      { key: "ours", label: "ours (compat await Manager(), then await m.shutdown(); the server from the start-up snapshot)", run: oursManagerStartup },
      { key: "ours_no_snapshot", label: "ours_no_snapshot (the same, EFFECT_MULTIPROCESSING_SNAPSHOT=0)", run: withoutSnapshot(oursManagerStartup) },
      { key: "ours_ready", label: "ours_ready (the same, start method \"forkserver\": the server from a ready process)", run: withReadyProcesses(oursManagerStartup) },
      { key: "python", label: "python (spawn context's Manager(), then m.shutdown())", run: pythonManagerStartup("spawn"), python: true },
      { key: "python_forkserver", label: "python_forkserver (forkserver context's Manager(), then m.shutdown())", run: pythonManagerStartup("forkserver"), python: true }
    ]
  },
  managerDictMetric("manager_dict_set_us", "set", "d[key] = value", "setItem(key, value)"),
  managerDictMetric("manager_dict_get_us", "get", "d[key]", "getItem(key)"),
  ...poolMetrics({ config, python }),
  ...threadMetrics({ config, python }),
  ...clusterMetrics({ config })
]

// A contender marked `optional` that throws is dropped from the metric (its rounds so far too) and
// shown as n/a with its error; any other contender's error fails the run. `metric.teardown` runs
// once the metric is done, whatever happened.
const failures = []
const runMetric = async (metric) => {
  const contenders = metric.contenders.filter((c) => pythonAvailable || !c.python)
  const perRound = Object.fromEntries(contenders.map((c) => [c.key, []]))
  const failed = new Map()
  const attempt = async (c, work) => {
    if (failed.has(c.key)) return undefined
    try {
      return await c.run(work)
    } catch (error) {
      if (!c.optional) throw error
      failed.set(c.key, error)
      delete perRound[c.key]
      failures.push(`${metric.name} ${c.key}`)
      process.stderr.write(`\n${metric.name}: ${c.key} failed, n/a: ${error?.message ?? error}\n`)
      return undefined
    }
  }
  try {
    process.stderr.write(`${metric.name}: warm-up`)
    for (const c of contenders) await attempt(c, metric.warmup) // forkserver's first start launches its server here
    for (let round = 0; round < metric.rounds; round++) {
      process.stderr.write(` ${round + 1}`)
      for (const c of rotate(contenders, round)) {
        const result = await attempt(c, metric.work)
        if (result !== undefined) perRound[c.key]?.push(metric.summarize(result))
      }
    }
    process.stderr.write("\n")
  } finally {
    await metric.teardown?.()
  }
  return metric.contenders.map((c) => {
    const rounds = perRound[c.key]
    const error = failed.get(c.key)
    return rounds === undefined || rounds.length === 0
      ? { ...c, median: null, min: null, max: null, error }
      : { ...c, median: median(rounds), min: min(rounds), max: max(rounds) }
  })
}

// ---------------------------------------------------------------------------
// Run

const cpus = os.cpus()
const header = [
  `effect-multiprocessing benchmarks${quick ? " (--quick: few rounds, figures are rough)" : ""}`,
  `node ${process.version}, python ${pythonVersion}, ${cpus.length} × ${cpus[0]?.model ?? "cpu"}, ` +
  `load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`
]
console.log(header.join("\n"))

const results = {}
const lines = []
let failed = false
try {
  for (const metric of metrics.filter((m) => only === undefined || only.some((part) => part.startsWith("^") ? m.name.startsWith(part.slice(1)) : m.name.includes(part)))) {
    const rows = await runMetric(metric)
    results[metric.name] = Object.fromEntries(rows.map((r) => [r.key, roundForJson(r.median)]))
    const ours = rows.find((r) => r.key === "ours")?.median ?? null
    lines.push("", `${metric.name}  (${metric.better} is better; ${metric.how})`)
    const table = [["contender", "median", "rounds min–max", "ours/this"]]
    for (const r of rows) {
      table.push([
        r.label,
        fmt(r.median),
        r.median === null ? "" : `${fmt(r.min)} – ${fmt(r.max)}`,
        r.key === "ours" || r.median === null || ours === null ? "" : `${(ours / r.median).toFixed(2)}×`
      ])
    }
    const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)))
    for (const row of table) {
      lines.push("  " + row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("   "))
    }
    for (const r of rows.filter((r) => r.error !== undefined)) {
      lines.push(`  ${r.key}: n/a, failed: ${String(r.error?.message ?? r.error).split("\n")[0]}`)
    }
  }
} catch (error) {
  failed = true
  console.error("bench failed:", error)
}

// ---------------------------------------------------------------------------
// Clean up, and check that no child is left behind

const helperPids = await python.close()
for (let i = 0; i < 30 && helperPids.some(isAlive); i++) await new Promise((r) => setTimeout(r, 100))
for (const pid of helperPids.filter(isAlive)) {
  console.error(`bench: python helper ${pid} outlived its parent; killing it`)
  try {
    process.kill(pid, "SIGKILL")
  } catch {}
}
const leftover = activeChildren()
if (leftover.length > 0) console.error(`bench: ${leftover.length} library children still active`)
const ownChildren = () => {
  try { // Linux: processes whose parent is us
    return readdirSync("/proc").filter((d) => /^\d+$/.test(d)).filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === process.pid
      } catch {
        return false
      }
    })
  } catch {
    return []
  }
}
const strays = ownChildren()
if (strays.length > 0) console.error(`bench: child processes still running: ${strays.join(", ")}`)

if (!failed) {
  console.log(lines.join("\n"))
  console.log("\nours/this: ratio of medians from this run; for ms (lower is better) < 1 means ours is faster, for ops/s (higher is better) > 1 means ours is faster.")
  console.log("ours = public Serializer.unknown (encode/decode return an Either, unwrapped by _tag); ours_codec = the codec under it (dist/internal/codec/codec.js).")
  console.log("pipe_*: ours = compat face (Pipe(), new Process, promise methods); python = multiprocessing.Pipe in python3 with a spawn child; the child is started and joined outside the timed part.")
  console.log("queue_*: ours = compat Queue / JoinableQueue made by the parent, its items crossing a ring in shared memory (the native addon); ours_served = the same with the addon disabled (items pass through the parent); python = multiprocessing.Queue / JoinableQueue made by the parent (a pipe the spawn children share: items do not pass through the parent).")
  console.log("manager_*: ours = compat Manager() (a manager process of ours; proxies call it over its socket); python = multiprocessing's spawn context Manager() (a SyncManager server process; proxies call it over its socket); both are called from the parent.")
  console.log("pool_*: ours = compat Pool(2) (worker processes, inline functions carried as source); python = multiprocessing.Pool(2) in python3, spawn context; piscina = worker_threads; workerpool = child processes (workerType \"process\"); effect_worker = @effect/platform Worker.makePool over NodeWorker child processes (fork). Every pool has 2 workers and is made and warmed before the rounds; its start-up is never timed.")
  console.log("thread_pool_*: ours = compat ThreadPool(2) (worker threads); piscina, tinypool, workerpool (workerType \"thread\") and effect_worker (@effect/platform Worker.makePool over NodeWorker worker_threads) with 2 threads each.")
  if (failures.length > 0) console.log(`n/a (failed, see above): ${failures.join(", ")}`)
  if (quick || only !== undefined) {
    console.log("\n--quick or --only: bench/results/latest.json left as it was")
  } else {
    mkdirSync(new URL("./results/", import.meta.url), { recursive: true })
    writeFileSync(new URL("./results/latest.json", import.meta.url), JSON.stringify(results, null, 2) + "\n")
    console.log("\nwrote bench/results/latest.json")
  }
  if (sink.value === -1) console.log("") // keeps the sink observable
} else {
  process.exitCode = 1
}
watchdog()
