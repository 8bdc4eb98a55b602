import { execFile } from "node:child_process"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { afterEach, describe, expect, it } from "vitest"
import {
  AsyncResult,
  IMapIterator,
  MapResult,
  Pool,
  type PoolOptions,
  RemoteError,
  Terminated,
  TimeoutError,
  ValueError,
  WorkerLostError
} from "effect-multiprocessing/compat"
import { isRunning, waitUntil } from "../support/processes.js"

// Every pool a test makes is terminated after it, whatever happened.
const pools: Array<Pool> = []
const makePool = (processes: number | PoolOptions = 2, options?: PoolOptions) => {
  const pool = typeof processes === "number" ? new Pool(processes, options) : new Pool(processes)
  pools.push(pool)
  return pool
}
afterEach(async () => {
  for (const pool of pools.splice(0)) {
    pool.terminate()
    await pool.join()
  }
})

const range = (n: number) => Array.from({ length: n }, (_, i) => i)

/** Whether `pid` no longer runs. */
const gone = (pid: number) => !isRunning(pid)

/** Whether `pid` exists, a zombie its parent has not yet waited for included. */
const exists = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** A task that ends once `file` exists (the test decides when), with `value`, else its worker's pid. */
const untilExists = (file: string, value?: unknown) =>
  new Promise((resolve) => {
    const poll = () => require("node:fs").existsSync(file) ? resolve(value === undefined ? process.pid : value) : setTimeout(poll, 10)
    poll()
  })

/** A fresh path in a temporary directory, which `cleanups` removes after the test. */
const cleanups: Array<() => Promise<void>> = []
const tempPath = async (name: string) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "pool-test-"))
  cleanups.push(() => fs.rm(dir, { recursive: true, force: true }))
  return path.join(dir, name)
}
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

/** An iterable that yields `count` numbers, then throws `error`. */
function* failingAfter(count: number, error: Error) {
  for (let i = 0; i < count; i++) yield i
  throw error
}

const collect = async <T>(iterator: AsyncIterable<T>) => {
  const items: Array<T> = []
  for await (const item of iterator) items.push(item)
  return items
}

describe("compat Pool", () => {
  it("a task writing a header of 0x7fffffff bytes to its worker's channel rejects with WorkerLostError; the pool goes on", async () => {
    const pool = makePool(1)
    const [pid] = pool.pids
    const lost = pool.apply(() => require("node:fs").writeSync(3, Uint8Array.from([0x7f, 0xff, 0xff, 0xff])))
    await expect(lost).rejects.toBeInstanceOf(WorkerLostError)
    await expect(lost).rejects.toMatchObject({ pid, signal: "SIGKILL" })
    expect(await pool.map((x: number) => x + 1, [1, 2, 3])).toEqual([2, 3, 4])
    expect(pool.pids).not.toContain(pid)
  }, 60_000)

  describe("apply and applyAsync", () => {
    it("apply runs the function in a worker, with its arguments; a Promise result is awaited", async () => {
      const pool = makePool()
      expect(await pool.apply((a: number, b: number) => a + b, [2, 3])).toBe(5)
      expect(await pool.apply(() => "no arguments")).toBe("no arguments")
      const pid = await pool.apply(async () => {
        await new Promise((resolve) => setTimeout(resolve, 10))
        return process.pid
      })
      expect(pid).not.toBe(process.pid)
      expect(pool.pids).toContain(pid)
      // Structured data crosses both ways.
      const back = await pool.apply((m: Map<string, Date>) => new Map([...m].map(([k, d]) => [k.toUpperCase(), d.getUTCFullYear()])), [
        new Map([["y", new Date(Date.UTC(2024, 0, 1))]])
      ])
      expect(back).toEqual(new Map([["Y", 2024]]))
    })

    it("applyAsync returns an AsyncResult; callback hears the value before get() returns, errorCallback the failure", async () => {
      const pool = makePool()
      const heard: Array<string> = []
      const ok = pool.applyAsync((x: number) => x * 2, [21], {
        callback: (value) => heard.push(`callback ${value}`),
        errorCallback: (error) => heard.push(`errorCallback ${String(error)}`)
      })
      expect(ok).toBeInstanceOf(AsyncResult)
      expect(await ok.get()).toBe(42)
      heard.push("get")
      expect(heard).toEqual(["callback 42", "get"])

      const failures: Array<unknown> = []
      const bad = pool.applyAsync(() => {
        throw new RangeError("expected failure in a test")
      }, [], {
        callback: () => failures.push("callback must not be called"),
        errorCallback: (error) => failures.push(error)
      })
      await bad.wait()
      await new Promise((resolve) => setImmediate(resolve))
      expect(failures).toHaveLength(1)
      expect(failures[0]).toBeInstanceOf(RemoteError)
      expect((failures[0] as RemoteError).type).toBe("RangeError")
      await expect(bad.get()).rejects.toBe(failures[0])
      expect(bad.successful()).toBe(false)
    })

    it("get(timeout) raises TimeoutError when the result is late; the task goes on and get() has it later", async () => {
      const pool = makePool()
      const release = await tempPath("release")
      // The task ends only once released: the TimeoutError cannot have waited for it.
      const slow = pool.applyAsync(untilExists, [release, "late"])
      const started = Date.now()
      const error = await slow.get(0.1).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(TimeoutError)
      expect((error as TimeoutError).message).toMatch(/0\.1 seconds/)
      expect(Date.now() - started).toBeGreaterThanOrEqual(90)
      expect(slow.ready()).toBe(false)
      await fs.writeFile(release, "")
      expect(await slow.get(10)).toBe("late")
    })

    it("ready, wait(timeout), successful: ValueError before ready, as in Python", async () => {
      const pool = makePool()
      const result = pool.applyAsync(() => new Promise((resolve) => setTimeout(() => resolve(7), 400)))
      expect(result.ready()).toBe(false)
      expect(() => result.successful()).toThrow(ValueError)
      const started = Date.now()
      expect(await result.wait(0.05)).toBeUndefined() // returns after the timeout, not ready
      expect(Date.now() - started).toBeGreaterThanOrEqual(40)
      expect(result.ready()).toBe(false)
      expect(() => result.successful()).toThrow(/not ready/)
      await result.wait()
      expect(result.ready()).toBe(true)
      expect(result.successful()).toBe(true)
      expect(await result.get(0)).toBe(7)
    })

    it("a task given while one worker runs a long task goes to an idle worker, not behind it (the pool remains available)", async () => {
      const pool = makePool()
      await pool.map((x: number) => x, range(8), { chunksize: 1 }) // both workers ready
      const release = await tempPath("release")
      // The long task ends only once released: had the next task queued behind it, it would never be answered.
      const long = pool.applyAsync(untilExists, [release])
      await new Promise((resolve) => setTimeout(resolve, 200))
      const pid = await pool.apply(() => process.pid)
      expect(long.ready()).toBe(false)
      await fs.writeFile(release, "")
      expect(await long.get(10)).not.toBe(pid)
    })

    it("20 000 tasks submitted one by one all complete with their own results (a burst fills the sockets both ways)", async () => {
      const pool = makePool(2)
      const results = await Promise.all(range(20_000).map((i) => pool.apply((x: number) => ({ x, twice: x * 2 }), [i])))
      expect(results).toEqual(range(20_000).map((x) => ({ x, twice: x * 2 })))
    })

    it("a failure in the worker reaches the caller as a RemoteError with its type, message and the remote stack", async () => {
      const pool = makePool()
      const error = await pool.apply(function readsDeep(o: { a?: { b: number } }) {
        return o.a!.b
      }, [{}]).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(RemoteError)
      const remote = error as RemoteError
      expect(remote.type).toBe("TypeError")
      expect(remote.message).toMatch(/Cannot read properties of undefined \(reading 'b'\)/)
      expect(remote.remoteStack).toMatch(/^TypeError: /)
      expect(remote.remoteStack).toContain("at readsDeep")
      expect(pool.pids).toContain(remote.pid)
      expect(remote.processName).toMatch(/^SpawnPoolWorker-/)
      // A thrown Error subclass keeps its own name and fields.
      const custom = (await pool.apply(() => {
        class QuotaError extends Error {
          override name = "QuotaError"
          limit = 3
        }
        throw new QuotaError("over quota")
      }).catch((e: unknown) => e)) as RemoteError
      expect(custom.type).toBe("QuotaError")
      expect(custom.message).toBe("over quota")
      expect(custom.fields).toMatchObject({ limit: 3 })
      // The worker survives its task's failure.
      expect(await pool.apply(() => "still here")).toBe("still here")
    })
  })

  describe("maps", () => {
    it("map and mapAsync: results in order; chunksize items run together in one worker", async () => {
      const pool = makePool()
      expect(await pool.map((x: number) => x * x, range(10))).toEqual(range(10).map((x) => x * x))
      // Each chunk is one task: its items are answered by one worker.
      const pids = await pool.map((_: number) => process.pid, range(20), { chunksize: 5 })
      for (let chunk = 0; chunk < 4; chunk++) {
        expect(new Set(pids.slice(chunk * 5, chunk * 5 + 5)).size).toBe(1)
      }
      expect(pids.every((pid) => pool.pids.includes(pid))).toBe(true)

      const heard: Array<Array<number>> = []
      const result = pool.mapAsync((x: number) => x + 1, range(100), { chunksize: 7, callback: (values) => heard.push(values) })
      expect(result).toBeInstanceOf(MapResult)
      expect(await result.get(10)).toEqual(range(100).map((x) => x + 1))
      expect(heard).toEqual([range(100).map((x) => x + 1)])
      expect(result.successful()).toBe(true)
    })

    it("map: chunksize must be a whole number of at least 1", async () => {
      const pool = makePool()
      await expect(pool.map((x: number) => x, [1, 2], { chunksize: 0 })).rejects.toBeInstanceOf(ValueError)
      await expect(pool.map((x: number) => x, [1, 2], { chunksize: 1.5 })).rejects.toBeInstanceOf(ValueError)
    })

    it("map: one failing item fails the map with that item's error", async () => {
      const pool = makePool()
      const error = (await pool.map((x: number) => {
        if (x === 13) throw new Error(`unlucky ${x}`)
        return x
      }, range(20)).catch((e: unknown) => e)) as RemoteError
      expect(error).toBeInstanceOf(RemoteError)
      expect(error.message).toBe("unlucky 13")
      const errors: Array<unknown> = []
      const result = pool.mapAsync((x: number) => {
        if (x === 3) throw new Error("three")
        return x
      }, range(5), { errorCallback: (e) => errors.push(e) })
      await expect(result.get()).rejects.toBeInstanceOf(RemoteError)
      expect(errors).toHaveLength(1)
      expect(result.successful()).toBe(false)
    })

    it("a failed map lets the chunks already running elsewhere finish: no other worker is killed", async () => {
      const pool = makePool(2)
      await pool.map((x: number) => x, range(4), { chunksize: 1 })
      const pids = [...pool.pids]
      const error = await pool.map((x: number) => {
        if (x === 0) throw new Error("first chunk fails")
        const until = Date.now() + 400
        while (Date.now() < until);
        return x
      }, [0, 1], { chunksize: 1 }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(RemoteError)
      await new Promise((resolve) => setTimeout(resolve, 700))
      expect(pool.pids).toEqual(pids)
      expect(await pool.apply(() => "both still serve")).toBe("both still serve")
    })

    it("imap: a failed chunk raises in its place, and next() goes on with the results after it, as Python's iterator", async () => {
      const pool = makePool(2)
      const it = pool.imap((x: number) => {
        if (x === 2) throw new RangeError("two")
        return x * 10
      }, range(5))
      const seen: Array<unknown> = []
      for (;;) {
        try {
          const next = await it.next(10)
          if (next.done === true) break
          seen.push(next.value)
        } catch (error) {
          seen.push((error as RemoteError).type)
        }
      }
      expect(seen).toEqual([0, 10, "RangeError", 30, 40])
    })

    it("a progress callback that throws fails the map with what it threw; the pool goes on", async () => {
      const pool = makePool(2)
      const error = await pool.map((x: number) => x, range(10), {
        chunksize: 2,
        progress: ({ done }) => {
          if (done >= 4) throw new Error("progress display broke")
        }
      }).catch((e: unknown) => e)
      expect((error as Error).message).toContain("progress display broke")
      expect(await pool.map((x: number) => x + 1, [1, 2])).toEqual([2, 3])
    })

    it("short tasks do not wait behind a long one while a worker could start them", async () => {
      const pool = makePool(2)
      await pool.map((x: number) => x, range(20), { chunksize: 1 })
      const sleep = (ms: number) => new Promise((resolve) => setTimeout(() => resolve(ms), ms))
      const release = await tempPath("release")
      // The long task ends only once released: the short ones are answered while it still runs.
      const long = pool.applyAsync(untilExists, [release, 1500])
      const shorts = [pool.apply(sleep, [100]), pool.apply(sleep, [100]), pool.apply(sleep, [100])]
      expect(await Promise.all(shorts)).toEqual([100, 100, 100])
      expect(long.ready()).toBe(false)
      await fs.writeFile(release, "")
      expect(await long.get(10)).toBe(1500)
    })

    it("time limits: positive durations; an infinite one is no limit", async () => {
      const pool = makePool(1)
      await expect(pool.apply(() => 1, [], { timeout: 0 })).rejects.toBeInstanceOf(ValueError)
      await expect(pool.apply(() => 1, [], { softTimeout: -1 })).rejects.toBeInstanceOf(ValueError)
      expect(await pool.apply(() => 1, [], { timeout: Infinity, softTimeout: Infinity })).toBe(1)
      expect(await pool.apply(() => 2, [], { timeout: 1e10 })).toBe(2) // longer than a timer holds: none
      expect(() => new Pool(1, { timeout: 0 })).toThrow(ValueError)
    })

    it("starmap and starmapAsync: each item is an argument list", async () => {
      const pool = makePool()
      const pairs: Array<[number, number]> = range(12).map((i) => [i, 10 * i])
      expect(await pool.starmap((a: number, b: number) => a + b, pairs)).toEqual(range(12).map((i) => 11 * i))
      expect(await pool.starmap((a: number, b: number) => a * b, pairs, { chunksize: 5 })).toEqual(range(12).map((i) => 10 * i * i))
      const result = pool.starmapAsync((s: string, n: number) => s.repeat(n), [["ab", 2], ["c", 3]] as Array<[string, number]>)
      expect(await result.get(10)).toEqual(["abab", "ccc"])
    })

    it("imap: results in order for await, even when later items finish first", async () => {
      const pool = makePool()
      const delays = [300, 0, 0, 100, 0]
      const it = pool.imap((ms: number) => new Promise((resolve) => setTimeout(() => resolve(ms), ms)), delays)
      expect(it).toBeInstanceOf(IMapIterator)
      expect(await collect(it)).toEqual(delays)
      expect(await collect(pool.imap((x: number) => -x, range(50), { chunksize: 7 }))).toEqual(range(50).map((x) => -x))
    })

    it("imap over an infinite generator: breaking out after 5 results ends; the input is read a bounded way ahead, then closed", async () => {
      const pool = makePool(2)
      for (const method of ["imap", "imapUnordered"] as const) {
        const input = { pulled: 0, closed: false }
        function* naturals() {
          try {
            for (let i = 0;; i++) {
              // A safety valve for the test: an input read to the end would otherwise fill the heap.
              if (++input.pulled > 100_000) throw new Error("the input was read far ahead of the results")
              yield i
            }
          } finally {
            input.closed = true
          }
        }
        const seen: Array<number> = []
        for await (const x of pool[method]((x: number) => x * 2, naturals())) {
          seen.push(x)
          if (seen.length === 5) break
        }
        expect(seen).toHaveLength(5)
        if (method === "imap") expect(seen).toEqual([0, 2, 4, 6, 8])
        expect(input.closed).toBe(true)
        const atStop = input.pulled
        // A task's round trip later, nothing more was read.
        expect(await pool.apply(() => "still serving")).toBe("still serving")
        expect(input.pulled).toBe(atStop)
        expect(atStop).toBeLessThan(1000)
      }
    })

    it("imapUnordered: each result once, as it is ready", async () => {
      const pool = makePool()
      // Two workers: item 0 sleeps on one while the other answers item 1 first.
      const order = await collect(pool.imapUnordered((ms: number) => new Promise((resolve) => setTimeout(() => resolve(ms), ms)), [500, 0]))
      expect(order).toEqual([0, 500])
      const all = await collect(pool.imapUnordered((x: number) => x * 3, range(40), { chunksize: 3 }))
      expect([...all].sort((a, b) => a - b)).toEqual(range(40).map((x) => x * 3))
    })

    it("imap called before close() still runs to the end, as in Python (close() only refuses new tasks)", async () => {
      const pool = makePool()
      const ordered = pool.imap((x: number) => x * 2, [1, 2, 3])
      const unordered = pool.imapUnordered((x: number) => x * 3, [1, 2, 3])
      pool.close()
      expect(await collect(ordered)).toEqual([2, 4, 6])
      expect((await collect(unordered)).sort((a, b) => a - b)).toEqual([3, 6, 9])
      await pool.join()
    })

    it("imap: concurrent next() calls each get a result", async () => {
      const pool = makePool()
      const it = pool.imap((ms: number) => new Promise((resolve) => setTimeout(() => resolve(ms), ms)), [100, 200])
      const both = Promise.all([it.next(2), it.next(2)])
      expect(await both).toEqual([{ done: false, value: 100 }, { done: false, value: 200 }])
    })

    it("leaving a for await over imap early withdraws the tasks not yet run; the pool goes on", async () => {
      const pool = makePool()
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), "pool-test-"))
      try {
        const file = path.join(dir, "ran")
        const items = range(20).map((x) => ({ file, x }))
        for await (const x of pool.imap(async ({ file, x }: { file: string; x: number }) => {
          require("node:fs").appendFileSync(file, `${x}\n`)
          await new Promise((resolve) => setTimeout(resolve, 100))
          return x
        }, items)) {
          expect(x).toBe(0)
          break
        }
        expect(await pool.map((x: number) => x + 1, [1, 2])).toEqual([2, 3])
        // Had they not been withdrawn, all 20 would have started by now (10 each, 100 ms apart).
        await new Promise((resolve) => setTimeout(resolve, 1300))
        const ran = (await fs.readFile(file, "utf8")).trim().split("\n")
        expect(ran.length).toBeLessThanOrEqual(8)
      } finally {
        await fs.rm(dir, { recursive: true, force: true })
      }
    })

    it("imap next(timeout): TimeoutError when nothing comes in time; the iterator still works after", async () => {
      const pool = makePool()
      for (const kind of ["imap", "imapUnordered"] as const) {
        const release = await tempPath("release")
        // The tasks start their sleeps once released: nothing can come before the TimeoutError.
        const it = pool[kind](
          ({ file, ms }: { file: string; ms: number }) =>
            new Promise((resolve) => {
              const poll = () => require("node:fs").existsSync(file) ? setTimeout(() => resolve(ms), ms) : setTimeout(poll, 10)
              poll()
            }),
          [{ file: release, ms: 500 }, { file: release, ms: 600 }]
        )
        const error = await it.next(0.1).catch((e: unknown) => e)
        expect(error).toBeInstanceOf(TimeoutError)
        await fs.writeFile(release, "")
        expect(await it.next(10)).toEqual({ done: false, value: 500 })
        expect(await it.next()).toEqual({ done: false, value: 600 })
        expect(await it.next()).toEqual({ done: true, value: undefined })
      }
    })

    it("empty inputs give [] (and an imap that ends at once)", async () => {
      const pool = makePool()
      const f = (x: number) => x
      expect(await pool.map(f, [])).toEqual([])
      expect(await pool.map(f, [], { chunksize: 3 })).toEqual([])
      expect(await pool.mapAsync(f, []).get(5)).toEqual([])
      expect(await pool.starmap((a: number, b: number) => a + b, [])).toEqual([])
      expect(await pool.starmapAsync((a: number, b: number) => a + b, []).get(5)).toEqual([])
      expect(await collect(pool.imap(f, []))).toEqual([])
      expect(await collect(pool.imapUnordered(f, []))).toEqual([])
      expect(await pool.imap(f, []).next(0.5)).toEqual({ done: true, value: undefined })
    })

    it("an input that throws part-way: map rejects with the original error; the pool stays usable", async () => {
      const pool = makePool()
      const boom = new RangeError("the input broke")
      await expect(pool.map((x: number) => x, failingAfter(7, boom))).rejects.toBe(boom)
      await expect(pool.map((x: number) => x, failingAfter(7, boom), { chunksize: 3 })).rejects.toBe(boom)
      await expect(pool.starmap((a: number) => a, (function*() {
        yield [1] as [number]
        throw boom
      })())).rejects.toBe(boom)
      const errors: Array<unknown> = []
      await expect(pool.mapAsync((x: number) => x, failingAfter(2, boom), { errorCallback: (e) => errors.push(e) }).get(10)).rejects.toBe(boom)
      expect(errors).toEqual([boom])
      expect(await pool.map((x: number) => x + 1, [1, 2, 3])).toEqual([2, 3, 4])
    })

    it("an input that throws part-way: imap yields the items of the whole chunks before it, then throws the original error", async () => {
      const pool = makePool()
      const boom = new RangeError("the input broke")
      for (const [chunksize, expected] of [[1, range(7)], [3, range(6)], [7, range(7)], [10, []]] as const) {
        const got: Array<number> = []
        const error = await (async () => {
          for await (const x of pool.imap((x: number) => x, failingAfter(7, boom), { chunksize })) got.push(x)
        })().catch((e: unknown) => e)
        expect(error, `chunksize ${chunksize}`).toBe(boom)
        expect(got, `chunksize ${chunksize}`).toEqual(expected)
      }
      const unordered: Array<number> = []
      const error = await (async () => {
        for await (const x of pool.imapUnordered((x: number) => x, failingAfter(7, boom), { chunksize: 3 })) unordered.push(x)
      })().catch((e: unknown) => e)
      expect(error).toBe(boom)
      expect(unordered.sort((a, b) => a - b)).toEqual(range(6))
      expect(await collect(pool.imap((x: number) => x * 2, [1, 2, 3]))).toEqual([2, 4, 6])
    })
  })

  describe("life cycle", () => {
    it("Pool(0) and fewer processes: ValueError", () => {
      expect(() => new Pool(0)).toThrow(ValueError)
      expect(() => new Pool({ processes: 0 })).toThrow(/at least 1/)
      expect(() => new Pool(-2)).toThrow(ValueError)
    })

    it("processes, pids, and the options form", async () => {
      const pool = makePool({ processes: 3 })
      expect(pool.processes).toBe(3)
      expect(pool.pids).toHaveLength(3)
      expect(new Set(pool.pids).size).toBe(3)
      expect(pool.pids.every(isRunning)).toBe(true)
      expect(String(pool)).toBe("<Pool processes=3 state=running>")
    })

    it("close(): queued tasks still finish, join() waits for the workers, new calls reject with ValueError 'Pool not running'", async () => {
      const pool = makePool()
      const pids = [...pool.pids]
      const queued = pool.mapAsync((ms: number) => new Promise((resolve) => setTimeout(() => resolve(ms), ms)), [200, 200, 200], { chunksize: 1 })
      pool.close()
      await pool.join()
      expect(await queued.get(0)).toEqual([200, 200, 200])
      expect(pids.every(gone)).toBe(true)
      await expectNotRunning(pool)
    })

    it("terminate(): calls after it reject with ValueError 'Pool not running'", async () => {
      const pool = makePool()
      pool.terminate()
      await pool.join()
      await expectNotRunning(pool)
      // terminate() and close() again do nothing.
      pool.terminate()
      pool.close()
    })

    it("join() before close() or terminate(): ValueError", async () => {
      const pool = makePool()
      await expect(pool.join()).rejects.toBeInstanceOf(ValueError)
      await expect(pool.join()).rejects.toThrow(/close\(\) or terminate\(\)/)
      expect(await pool.apply(() => "still running")).toBe("still running")
    })

    it("terminate() returns promptly with 10 000 tasks pending; they reject with Terminated", async () => {
      const pool = makePool()
      const pids = [...pool.pids]
      // Tasks that would outlast any test: on a loaded machine, making 10 000 of them took longer than a shorter one ran.
      const results = range(10_000).map(() => pool.applyAsync(() => new Promise((resolve) => setTimeout(resolve, 600_000))))
      await new Promise((resolve) => setTimeout(resolve, 50))
      pool.terminate()
      // When terminate() returns, every task has failed, and no worker has been waited for yet.
      expect(results.filter((result) => !result.ready())).toEqual([])
      expect(pids.filter(exists)).toEqual(pids)
      const outcomes = await Promise.all(results.map((result) => result.get(5).then(() => "resolved", (e: unknown) => e)))
      expect(outcomes.filter((outcome) => !(outcome instanceof Terminated))).toEqual([])
      await pool.join()
      expect(pids.every(gone)).toBe(true)
    })

    it("await using: leaving the block terminates the pool and its workers are gone", async () => {
      let pids: Array<number> = []
      let pending: AsyncResult<unknown> | undefined
      {
        await using pool = new Pool(2)
        pids = [...pool.pids]
        expect(await pool.apply(() => 1)).toBe(1)
        pending = pool.applyAsync(() => new Promise(() => {}))
      }
      await expect(pending.get(5)).rejects.toBeInstanceOf(Terminated)
      expect(pids).toHaveLength(2)
      for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: "ESRCH" }))
    })

    it("initializer and initargs run in each worker before its tasks", async () => {
      const pool = makePool(2, {
        initializer: (greeting: string, n: number) => {
          ;(globalThis as Record<string, unknown>).poolGreeting = `${greeting} ${n} from ${process.pid}`
        },
        initargs: ["hello", 7]
      })
      const seen = await pool.map((_: number) => (globalThis as Record<string, unknown>).poolGreeting, range(8), { chunksize: 1 })
      for (const line of seen) expect(line).toMatch(/^hello 7 from \d+$/)
      // Each worker ran its own initializer: the pid in the greeting is the answering worker's.
      const pairs = await pool.map((_: number) => [(globalThis as Record<string, unknown>).poolGreeting, process.pid], range(8), { chunksize: 1 })
      for (const [greeting, pid] of pairs) expect(greeting).toBe(`hello 7 from ${pid}`)
    })

    it("maxtasksperchild: with one process and 2 tasks per child, the answering pid changes every 2 tasks", async () => {
      const pool = makePool(1, { maxtasksperchild: 2 })
      const one: Array<number> = []
      for (let i = 0; i < 6; i++) one.push(await pool.apply(() => process.pid))
      expectPairs(one)
      // The same when the tasks are queued all at once.
      expectPairs(await pool.map((_: number) => process.pid, range(6), { chunksize: 1 }))
      expect(pool.pids).toHaveLength(1)
    })

    it("idle workers do not keep the parent alive: a script that never closes its pool exits on its own", async () => {
      const script = fileURLToPath(new URL("../fixtures/pool-idle-parent.mjs", import.meta.url))
      const root = fileURLToPath(new URL("../..", import.meta.url))
      // Had it not exited on its own, it would be killed at the timeout, and this would reject.
      const { stdout } = await promisify(execFile)(process.execPath, [script], { cwd: root, timeout: 10_000 })
      const { answer, pids } = JSON.parse(stdout) as { answer: number; pids: Array<number> }
      expect(answer).toBe(42)
      expect(pids).toHaveLength(2)
      // Its workers go with it.
      expect(await waitUntil(() => pids.every(gone), 3000)).toBe(true)
    })
  })
})

/** Every call on a pool that is no longer running fails with ValueError "Pool not running". */
const expectNotRunning = async (pool: Pool) => {
  const f = (x: number) => x
  const notRunning = { name: "ValueError", message: expect.stringMatching(/^Pool not running/) }
  await expect(pool.apply(() => 1)).rejects.toMatchObject(notRunning)
  await expect(pool.apply(() => 1)).rejects.toBeInstanceOf(ValueError)
  await expect(pool.map(f, [1])).rejects.toMatchObject(notRunning)
  await expect(pool.starmap((a: number) => a, [[1]])).rejects.toMatchObject(notRunning)
  // As Python's _check_running: the Async forms and imap raise at the call.
  expect(() => pool.applyAsync(() => 1)).toThrow(/^Pool not running/)
  expect(() => pool.mapAsync(f, [1])).toThrow(/^Pool not running/)
  expect(() => pool.starmapAsync((a: number) => a, [[1]])).toThrow(/^Pool not running/)
  expect(() => pool.imap(f, [1])).toThrow(/^Pool not running/)
  expect(() => pool.imapUnordered(f, [1])).toThrow(/^Pool not running/)
}

/** [a, a, b, b, c, c] with a, b, c distinct. */
const expectPairs = (pids: Array<number>) => {
  expect(pids).toHaveLength(6)
  for (let i = 0; i < 6; i += 2) expect(pids[i + 1], `task ${i + 1} of ${pids}`).toBe(pids[i])
  expect(new Set(pids).size, `pids ${pids}`).toBe(3)
}
