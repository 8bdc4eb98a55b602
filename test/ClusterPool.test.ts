import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Redacted, Stream } from "effect"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { RemoteError, Target, UnportableFunctionError } from "effect-multiprocessing"
import { ClusterPool, Pool } from "effect-multiprocessing/cluster"
import { waitUntil } from "./support/processes.js"
import { type Runner, startRunner, startRunners, stopRunner } from "./support/clusterRunners.js"
import { postgresTests, type Started, startPostgres } from "./support/postgres.js"

// libsql's native library opens three sockets of its own the first time a process opens a database, and keeps
// them for the life of the process (a second database opens none: scratch-checked). Opened here, before the
// file's leak check counts this process's sockets, so that the check sees what the pool leaves, not those.
{
  const { createClient } = await import("@libsql/client")
  const warmUp = createClient({ url: ":memory:" })
  await warmUp.execute("SELECT 1")
  warmUp.close()
}

// Three runners on this machine (one local worker each: the machine is shared), one SQLite store.
const SECRET = "cluster-test-secret"
let dir = ""
let store = ""
let env: Record<string, string> = {}
let runners: Array<Runner> = []

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "cluster-test-"))
  store = `file:${path.join(dir, "cluster.db")}`
  env = {
    EFFECT_MULTIPROCESSING_CLUSTER_STORE: store,
    EFFECT_MULTIPROCESSING_CLUSTER_SECRET: SECRET,
    EFFECT_MULTIPROCESSING_CLUSTER_PROCESSES: "1",
    // Whatever a runner's local pool makes in the temp dir goes in ours, removed below.
    TMPDIR: dir
  }
  runners = await startRunners(env, 3)
}, 180_000)

afterAll(async () => {
  await Promise.all(runners.map((runner) => stopRunner(runner)))
  fs.rmSync(dir, { recursive: true, force: true })
}, 180_000)

const options = (more: Partial<ClusterPool.Options> = {}): ClusterPool.Options => ({
  store,
  secret: Redacted.make(SECRET),
  minRunners: 3,
  readyTimeout: Duration.minutes(3),
  ...more
})

const clusterTasks = {
  waitForWithdrawal: Target.moduleExport<(file: string) => Promise<string>>(new URL("./fixtures/clusterTasks.mjs", import.meta.url), "waitForWithdrawal")
}
const tasks = { cube: Target.moduleExport<(x: number) => number>(new URL("./fixtures/tasks.mjs", import.meta.url), "cube") }

// A hang guard, not a measure: the map and the recoveries below take seconds on a quiet machine.
const TIMEOUT = 240_000

describe("ClusterPool", () => {
  it.scopedLive("runs map, apply, starmap, imap and imapUnordered across runners", () =>
    Effect.gen(function*() {
      const pool = yield* ClusterPool.make(options())
      const items = Array.from({ length: 10_000 }, (_, i) => i - 5_000)
      // 10 000 items in order, exactly as locally; a module target and an inline one.
      expect(yield* pool.map(tasks.cube, items)).toEqual(items.map((x) => x * x * x))
      let last = 0
      const doubled = yield* pool.map((x: number) => x * 2, items, { progress: ({ done, total }) => {
        expect(total).toBe(items.length)
        last = done
      } })
      expect(doubled).toEqual(items.map((x) => x * 2))
      expect(last).toBe(items.length)
      expect(yield* pool.apply((a: number, b: string) => `${b}${a}`, [7, "n"])).toBe("n7")
      expect(yield* pool.starmap((a: number, b: number) => a - b, [[5, 3], [1, 4]])).toEqual([2, -3])
      const ordered = yield* Stream.runCollect(pool.imap((x: number) => x + 1, [1, 2, 3, 4, 5], { chunksize: 2 }))
      expect(Array.from(ordered)).toEqual([2, 3, 4, 5, 6])
      const unordered = yield* Stream.runCollect(pool.imapUnordered((x: number) => x * 10, [1, 2, 3, 4, 5]))
      expect(Array.from(unordered).sort((a, b) => a - b)).toEqual([10, 20, 30, 40, 50])
      // Every runner took part: the parents of the workers that ran the calls are the three runners.
      const parents = yield* pool.map((_: number) => process.ppid, Array.from({ length: 192 }, (_, i) => i), { chunksize: 1 })
      expect(new Set(parents)).toEqual(new Set(runners.map((runner) => runner.pid)))
    }), TIMEOUT)

  it.scopedLive("a task that fails fails with its error, as locally; a function that cannot travel is refused here", () =>
    Effect.gen(function*() {
      const pool = yield* ClusterPool.make(options())
      const failed = yield* Effect.flip(pool.apply((x: number) => {
        throw new RangeError(`bad ${x}`)
      }, [3]))
      expect(failed).toBeInstanceOf(RemoteError)
      expect(failed).toMatchObject({ _tag: "RemoteError", type: "RangeError", message: "bad 3" })
      const inMap = yield* Effect.flip(pool.map((x: number) => {
        if (x === 77) throw new Error("seventy-seven")
        return x
      }, Array.from({ length: 200 }, (_, i) => i)))
      expect(inMap).toMatchObject({ _tag: "RemoteError", message: "seventy-seven" })
      const outside = 3
      const unportable = yield* Effect.flip(pool.map((x: number) => x + outside, [1]))
      expect(unportable).toBeInstanceOf(UnportableFunctionError)
    }), TIMEOUT)

  it.scopedLive("refuses a caller without the secret, and a runner refuses a peer without it", () =>
    Effect.gen(function*() {
      const wrong = yield* Effect.flip(ClusterPool.make(options({ secret: Redacted.make("not the secret") })))
      expect(wrong._tag).toBe("AuthenticationError")
      // A raw peer that answers the runner's challenge with anything but the secret's HMAC is refused and disconnected.
      const answer = yield* Effect.async<Buffer>((resume) => {
        const socket = net.createConnection({ host: "127.0.0.1", port: runners[0].port })
        const received: Array<Buffer> = []
        socket.on("data", (chunk) => {
          received.push(chunk)
          if (Buffer.concat(received).byteLength >= 37) socket.write(Buffer.alloc(64, 1))
        })
        socket.on("error", () => {})
        socket.on("close", () => resume(Effect.succeed(Buffer.concat(received))))
      })
      expect(answer.subarray(0, 5).toString()).toBe("EMPC1")
      expect(answer.subarray(37)).toEqual(Buffer.from([0])) // refused, then closed: no RPC was served
    }), TIMEOUT)

  it.scopedLive("interrupting a call cancels its task on the runner", () =>
    Effect.gen(function*() {
      const pool = yield* ClusterPool.make(options())
      const marker = path.join(dir, "withdrawal")
      const fiber = yield* Effect.fork(pool.apply(clusterTasks.waitForWithdrawal, [marker]))
      // The task has started on a runner once its worker said so; it waits for its signal to abort.
      const lines = () => fs.existsSync(marker) ? fs.readFileSync(marker, "utf8").split("\n").filter((line) => line !== "") : []
      expect(yield* Effect.promise(() => waitUntil(() => lines().some((line) => line.startsWith("started ")), 120_000))).toBe(true)
      const exit = yield* Fiber.interrupt(fiber)
      expect(Exit.isInterrupted(exit)).toBe(true)
      // The interruption reached the runner: its pool aborted the running task's signal.
      expect(yield* Effect.promise(() => waitUntil(() => lines().some((line) => line.startsWith("withdrawn ")), 120_000)), lines().join("; ")).toBe(true)
    }), TIMEOUT)

  it.live("the compat face: Pool with Python's calls", () =>
    Effect.promise(async () => {
      await using pool = new Pool({ store, secret: SECRET, minRunners: 3, readyTimeout: 180 })
      expect(await pool.map((x: number) => x + 1, [1, 2, 3], { chunksize: 1 })).toEqual([2, 3, 4])
      expect(await pool.apply((a: number, b: number) => a * b, [6, 7])).toBe(42)
      expect(await pool.starmap((a: number, b: number) => a + b, [[1, 1], [2, 2]])).toEqual([2, 4])
      const seen: Array<number> = []
      for await (const value of pool.imap((x: number) => x * x, [1, 2, 3])) seen.push(value)
      expect(seen).toEqual([1, 4, 9])
      await expect(pool.apply(() => {
        throw new TypeError("nope")
      })).rejects.toMatchObject({ _tag: "RemoteError", type: "TypeError", message: "nope" })
      pool.close()
      await expect(pool.apply((x: number) => x, [1])).rejects.toMatchObject({ _tag: "ValueError" })
    }), TIMEOUT)

  // Last: it kills a runner of its own, started for it.
  it.scopedLive("a runner SIGKILLed mid-map: the map completes with every result once, in order", () =>
    Effect.gen(function*() {
      const victim = yield* Effect.promise(() => startRunner(env))
      runners.push(victim)
      const pool = yield* ClusterPool.make(options({ minRunners: 4 }))
      const items = Array.from({ length: 1_200 }, (_, i) => i)
      let killedAt: number | undefined
      const result = yield* pool.map(async (x: number) => {
        await new Promise((resolve) => setTimeout(resolve, 4))
        return x * 3
      }, items, {
        chunksize: 10,
        progress: ({ done }) => {
          // At the first chunk done, the victim has chunks in flight (every slot has one): it dies then.
          if (killedAt === undefined) {
            killedAt = done
            victim.child.kill("SIGKILL")
          }
        }
      })
      expect(killedAt).toBeLessThan(items.length)
      expect(victim.child.signalCode ?? (yield* Effect.promise(() => new Promise((resolve) => victim.child.once("exit", (_, signal) => resolve(signal)))))).toBe("SIGKILL")
      expect(result).toEqual(items.map((x) => x * 3))
    }), TIMEOUT)
})

// The same cluster with its store on a real PostgreSQL server (a throwaway one, test/support/postgres.ts): what runs
// across machines. Three more runners on this machine, pointed at it.
describe.runIf(postgresTests)("ClusterPool on PostgreSQL", () => {
  let pg: Started | undefined
  let pgRunners: Array<Runner> = []
  beforeAll(async () => {
    pg = await startPostgres()
    const pgEnv = { ...env, EFFECT_MULTIPROCESSING_CLUSTER_STORE: pg.server.url }
    pgRunners = await startRunners(pgEnv, 3)
  }, 180_000)
  afterAll(async () => {
    await Promise.all(pgRunners.map((runner) => stopRunner(runner)))
    await pg?.stop()
  }, 180_000)

  it.scopedLive("a 10 000-item map across three runners equals the local result", () =>
    Effect.gen(function*() {
      const pool = yield* ClusterPool.make(options({ store: pg!.server.url }))
      const items = Array.from({ length: 10_000 }, (_, i) => i - 5_000)
      expect(yield* pool.map(tasks.cube, items)).toEqual(items.map((x) => x * x * x))
      const parents = yield* pool.map((_: number) => process.ppid, Array.from({ length: 192 }, (_, i) => i), { chunksize: 1 })
      expect(new Set(parents)).toEqual(new Set(pgRunners.map((runner) => runner.pid)))
    }), TIMEOUT)
})
