/**
 * The cluster pool's rows (`node bench/run.js --quick --only=cluster` after a build):
 *   cluster_map_10k_ms        lower is better (map of x => x * 2 over 10 000 integers: the compat cluster Pool with three
 *                             runner processes on this machine, one worker each, beside a local compat Pool(3))
 *   cluster_task_latency_us   lower is better (one apply at a time, the same two pools)
 * `local_pool` is the local Pool on the same machine: the difference is the cost of the engine (the store, the
 * sharding, a runner's hop). Each metric starts its own runners and SQLite store, and stops them in its teardown.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import { createServer } from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Pool as ClusterPool } from "effect-multiprocessing/cluster"
import { Pool } from "effect-multiprocessing/compat"
import { median } from "./harness.js"

const RUNNERS = 3
const main = fileURLToPath(new URL("../dist/internal/cluster/main.js", import.meta.url))
const SECRET = "bench-secret"

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })

const startRunner = async (env) => {
  const port = await freePort()
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, ...env, EFFECT_MULTIPROCESSING_CLUSTER_HOST: "127.0.0.1", EFFECT_MULTIPROCESSING_CLUSTER_PORT: String(port), EFFECT_MULTIPROCESSING_CLUSTER_EXIT_WITH_STDIN: "1" },
    stdio: ["pipe", "pipe", "inherit"]
  })
  await new Promise((resolve, reject) => {
    let out = ""
    const timer = setTimeout(() => reject(new Error("a runner was not ready within 120 s")), 120_000)
    child.stdout.on("data", (chunk) => {
      out += chunk
      if (out.includes("runner ready at")) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`a runner exited (${code}) before it was ready`))
    })
  })
  child.stdout.resume()
  return child
}

const stopRunner = (child) =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000)
    child.once("exit", () => {
      clearTimeout(timer)
      resolve()
    })
    child.stdin.end()
  })

/** Three runners, a store and a cluster Pool, made on first use; `close` ends them all. */
const clusterKeeper = () => {
  let opened
  const open = async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cluster-bench-"))
    const store = `file:${path.join(dir, "cluster.db")}`
    const env = { EFFECT_MULTIPROCESSING_CLUSTER_STORE: store, EFFECT_MULTIPROCESSING_CLUSTER_SECRET: SECRET, EFFECT_MULTIPROCESSING_CLUSTER_PROCESSES: "1", TMPDIR: dir }
    const runners = []
    try {
      for (let i = 0; i < RUNNERS; i++) runners.push(await startRunner(env))
      const pool = new ClusterPool({ store, secret: SECRET, minRunners: RUNNERS, readyTimeout: 180 })
      await pool.ready()
      return { dir, runners, pool }
    } catch (error) {
      await Promise.all(runners.map(stopRunner))
      fs.rmSync(dir, { recursive: true, force: true })
      throw error
    }
  }
  return {
    get: () => (opened ??= open()).then((c) => c.pool),
    close: async () => {
      if (opened === undefined) return
      const cluster = await opened.catch(() => undefined)
      opened = undefined
      if (cluster === undefined) return
      await cluster.pool.terminate()
      await Promise.all(cluster.runners.map(stopRunner))
      fs.rmSync(cluster.dir, { recursive: true, force: true })
    }
  }
}

const localKeeper = () => {
  let opened
  return {
    get: async () => {
      if (opened === undefined) {
        opened = new Pool(RUNNERS)
        await opened.map((x) => x, [1, 2, 3])
      }
      return opened
    },
    close: async () => {
      if (opened === undefined) return
      opened.terminate()
      await opened.join()
      opened = undefined
    }
  }
}

const range = (n) => Array.from({ length: n }, (_, i) => i)

const timedMap = (keeper) => async (n) => {
  const pool = await keeper.get()
  const xs = range(n)
  const t0 = performance.now()
  const out = await pool.map((x) => x * 2, xs)
  const t1 = performance.now()
  if (out.length !== n || out.some((y, i) => y !== 2 * i)) throw new Error("map: wrong results")
  return t1 - t0
}

const timedLatency = (keeper) => async (n) => {
  const pool = await keeper.get()
  const out = []
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    const got = await pool.apply((x) => x * 2, [i])
    out.push((performance.now() - t0) * 1000)
    if (got !== 2 * i) throw new Error("latency: wrong result")
  }
  return out
}

export const clusterMetrics = ({ config }) => {
  const rounds = config.poolRounds
  const quick = config.poolRounds <= 3
  const metrics = []
  {
    const cluster = clusterKeeper()
    const local = localKeeper()
    metrics.push({
      name: "cluster_map_10k_ms",
      better: "lower",
      how: `median of ${rounds} rounds; ms for one map of x => x * 2 over 10 000 integers (default chunking), results checked; ` +
        `ours: compat cluster Pool, ${RUNNERS} runner processes on this machine with 1 worker each, a SQLite store; ` +
        `local_pool: compat Pool(${RUNNERS}); both made and warmed before the rounds`,
      rounds,
      warmup: 10_000,
      work: 10_000,
      summarize: (x) => x,
      teardown: async () => {
        await cluster.close()
        await local.close()
      },
      contenders: [
        { key: "ours", label: `ours (cluster Pool, ${RUNNERS} local runners)`, run: timedMap(cluster), optional: true },
        { key: "local_pool", label: `local_pool (compat Pool(${RUNNERS}))`, run: timedMap(local), optional: true }
      ]
    })
  }
  {
    const cluster = clusterKeeper()
    const local = localKeeper()
    const n = quick ? 200 : 1000
    metrics.push({
      name: "cluster_task_latency_us",
      better: "lower",
      how: `median of ${rounds} rounds; a round's figure is the median of ${n} applies, one at a time, each timed; the same two pools`,
      rounds,
      warmup: 100,
      work: n,
      summarize: (samples) => median(samples),
      teardown: async () => {
        await cluster.close()
        await local.close()
      },
      contenders: [
        { key: "ours", label: `ours (cluster Pool, ${RUNNERS} local runners)`, run: timedLatency(cluster), optional: true },
        { key: "local_pool", label: `local_pool (compat Pool(${RUNNERS}))`, run: timedLatency(local), optional: true }
      ]
    })
  }
  return metrics
}
