import { describe, expect, it } from "@effect/vitest"
import { Cause, Chunk, Context, Effect, Either, Exit, FastCheck as fc, Fiber, Layer, Schema, Stream } from "effect"
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { Event, type InputError, NodeMultiprocessing, Pipe, ProcessContext, ProcessPool, Target } from "effect-multiprocessing"
import * as compat from "effect-multiprocessing/compat"
import type * as SignalTasks from "./fixtures/signalTasks.js"
import type * as Tasks from "./fixtures/tasks.js"
import { isRunning, runUnderTsx } from "./support/processes.js"
import { tempDir } from "./support/tempDir.js"

/** Whether `pid` exists, a zombie its parent has not yet waited for included. */
const exists = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const tasks = Target.module<typeof Tasks>(new URL("./fixtures/tasks.ts", import.meta.url))
const signalTasks = Target.module<typeof SignalTasks>(new URL("./fixtures/signalTasks.ts", import.meta.url))

const tagOf = (error: unknown) => (error as { _tag?: string })._tag

const withTempDir = <A, E, R>(use: (dir: string) => Effect.Effect<A, E, R>) => Effect.flatMap(tempDir("pool-test-"), use)

/** A test in a Scope, with the Node backend provided. */
const scopedTest = <A, E>(name: string, body: () => Effect.Effect<A, E, any>, timeout?: number): void =>
  it.scopedLive(name, () => Effect.provide(body(), NodeMultiprocessing.layer) as Effect.Effect<A, E>, timeout)

const liveTest = <A, E>(name: string, body: () => Effect.Effect<A, E, any>, timeout?: number): void =>
  it.live(name, () => Effect.provide(body(), NodeMultiprocessing.layer) as Effect.Effect<A, E>, timeout)

/** The tests outside "Pool (start method …)" start their workers with "spawn", whatever a test before set. */
const scoped = <A, E>(name: string, body: () => Effect.Effect<A, E, any>, timeout?: number): void =>
  scopedTest(name, () => Effect.zipRight(ProcessContext.setStartMethod("spawn", { force: true }), body()), timeout)

const live = <A, E>(name: string, body: () => Effect.Effect<A, E, any>, timeout?: number): void =>
  liveTest(name, () => Effect.zipRight(ProcessContext.setStartMethod("spawn", { force: true }), body()), timeout)

/** The text of `file` once it exists (a worker writes it), waiting up to 5 s; an error of the test after that. */
const writtenSoon = (file: string) =>
  Effect.gen(function*() {
    const until = Date.now() + 5000
    while (!existsSync(file) && Date.now() < until) yield* Effect.sleep("10 millis")
    return readFileSync(file, "utf8")
  })


class Workers extends Context.Tag("test/Workers")<Workers, ProcessPool.Pool>() {}

describe("ProcessPool (Effect face)", () => {
  it.live("ProcessPool.layer provides one pool for a Tag to the services that depend on it, and terminates it with the Layer", () =>
    Effect.gen(function*() {
      // A service built on the pool, as an application's would be.
      class Squares extends Context.Tag("test/Squares")<Squares, (xs: ReadonlyArray<number>) => Effect.Effect<Array<number>, ProcessPool.PoolError | InputError>>() {}
      const SquaresLive = Layer.effect(Squares, Effect.map(Workers, (pool) => (xs: ReadonlyArray<number>) => pool.map((x: number) => x * x, xs)))
      const WorkersLive = ProcessPool.layer(Workers, { processes: 2 })
      const { pids, squares } = yield* Effect.gen(function*() {
        const pool = yield* Workers
        const squares = yield* (yield* Squares)([1, 2, 3])
        return { pids: pool.pids, squares }
      }).pipe(Effect.provide(SquaresLive.pipe(Layer.provideMerge(WorkersLive), Layer.provide(NodeMultiprocessing.layer))))
      expect(squares).toEqual([1, 4, 9])
      expect(pids).toHaveLength(2)
      // The Layer's scope closed with the program: the workers were terminated and waited for.
      expect(pids.filter(exists)).toEqual([])
    }))

  scoped("ProcessPool.apply, map, starmap, imap and imapUnordered as functions: data-first and piped give what the methods give", () =>
    Effect.gen(function*() {
      const pool = yield* ProcessPool.make({ processes: 2 })
      expect(ProcessPool.isPool(pool)).toBe(true)
      expect(ProcessPool.isPool({ map: () => undefined })).toBe(false)
      const square = (x: number) => x * x
      const xs = [1, 2, 3, 4, 5, 6, 7]
      expect(yield* ProcessPool.map(pool, square, xs, { chunksize: 3 })).toEqual(xs.map(square))
      expect(yield* pool.pipe(ProcessPool.map(square, xs))).toEqual(xs.map(square))
      expect(yield* ProcessPool.apply(pool, (a: number, b: string) => `${b}${a}`, [1, "x"])).toBe("x1")
      expect(yield* pool.pipe(ProcessPool.apply(tasks.greet, ["pool", "!"]))).toBe("hello pool!")
      expect(yield* ProcessPool.starmap(pool, (a: number, b: number) => a - b, [[5, 1], [10, 3]])).toEqual([4, 7])
      expect(yield* pool.pipe(ProcessPool.starmap((a: number, b: number) => a * b, [[2, 3]]))).toEqual([6])
      expect(Chunk.toArray(yield* Stream.runCollect(ProcessPool.imap(pool, square, xs)))).toEqual(xs.map(square))
      expect(Chunk.toArray(yield* Stream.runCollect(pool.pipe(ProcessPool.imap(square, xs))))).toEqual(xs.map(square))
      const unordered = Chunk.toArray(yield* Stream.runCollect(pool.pipe(ProcessPool.imapUnordered(square, xs))))
      expect([...unordered].sort((a, b) => a - b)).toEqual(xs.map(square))
      expect(Chunk.toArray(yield* Stream.runCollect(ProcessPool.imapUnordered(pool, square, [4])))).toEqual([16])
    }))

  scoped("mapStream: a Stream of thousands of small elements goes through in chunks, in order; the unordered form gives the same elements", () =>
    Effect.gen(function*() {
      const pool = yield* ProcessPool.make({ processes: 2 })
      const n = 5000
      const source = Stream.range(0, n - 1)
      const ordered = yield* Stream.runCollect(source.pipe(ProcessPool.mapStream(pool, (x: number) => x * 2, { chunksize: 200 })))
      expect(Chunk.toArray(ordered)).toEqual(Array.from({ length: n }, (_, i) => i * 2))
      // Data-first, with the default options: a worker's pid per element, one of the pool's.
      const pids = Chunk.toArray(yield* Stream.runCollect(ProcessPool.mapStream(source, pool, (_: number) => process.pid)))
      expect(pids).toHaveLength(n)
      expect(pids.filter((pid) => !pool.pids.includes(pid))).toEqual([])
      const unordered = Chunk.toArray(yield* Stream.runCollect(source.pipe(ProcessPool.mapStreamUnordered(pool, (x: number) => x + 1, { chunksize: 100 }))))
      expect([...unordered].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i + 1))
    }))

  scoped("mapStream equals Stream.map for any elements, chunk size and concurrency, however the source is chunked", () =>
    Effect.gen(function*() {
      const pool = yield* ProcessPool.make({ processes: 2 })
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(
            fc.array(fc.integer({ min: -1e6, max: 1e6 }), { maxLength: 200 }),
            fc.integer({ min: 1, max: 50 }),
            fc.integer({ min: 1, max: 6 }),
            fc.integer({ min: 1, max: 40 }),
            async (xs, chunksize, concurrency, sourceChunk) => {
              const f = (x: number) => x * 3 + 1
              const source = Stream.fromIterable(xs).pipe(Stream.rechunk(sourceChunk))
              const got = await Effect.runPromise(Stream.runCollect(source.pipe(ProcessPool.mapStream(pool, f, { chunksize, concurrency }))))
              expect(Chunk.toArray(got)).toEqual(xs.map(f))
            }
          ),
          { numRuns: 25 }
        )
      )
    }))

  scoped("mapStream reads an endless source only as far ahead as its tasks in flight; a failing element fails the Stream; bad options are a ValueError", () =>
    Effect.gen(function*() {
      const pool = yield* ProcessPool.make({ processes: 2 })
      let pulled = 0
      const endless = Stream.iterate(0, (x) => x + 1).pipe(Stream.tap(() => Effect.sync(() => pulled++)))
      const first = yield* Stream.runCollect(endless.pipe(ProcessPool.mapStream(pool, (x: number) => -x, { chunksize: 10, concurrency: 2 }), Stream.take(25)))
      expect(Chunk.toArray(first)).toEqual(Array.from({ length: 25 }, (_, i) => -i))
      // What 25 results need, and at most the chunks in flight and in the Stream's buffers (16 chunks) besides.
      expect(pulled).toBeLessThanOrEqual(25 + (2 + 16 + 2) * 10)
      const failed = yield* Effect.flip(Stream.runDrain(Stream.range(1, 100).pipe(ProcessPool.mapStream(pool, (x: number) => {
        if (x === 42) throw new Error("no 42")
        return x
      }, { chunksize: 7 }))))
      expect(tagOf(failed)).toBe("RemoteError")
      expect(failed.message).toContain("no 42")
      const refused = yield* Effect.flip(Stream.runDrain(Stream.make(1).pipe(ProcessPool.mapStream(pool, (x: number) => x, { chunksize: 0 }))))
      expect(tagOf(refused)).toBe("ValueError")
      expect(refused.message).toContain("chunksize")
    }))

  it.live("ProcessPool.layer fails the Layer with make's error for bad options", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.provide(Workers, ProcessPool.layer(Workers, { processes: 0 }).pipe(Layer.provide(NodeMultiprocessing.layer))))
      expect(error._tag).toBe("ValueError")
      expect(error.message).toContain("processes")
    }))

  it("under tsx, an inline initializer gets what inline Process targets get (__name, require)", async () => {
    const run = await runUnderTsx("tsx-inline-helpers.ts", ["pool"])
    expect(run.stderr).toBe("")
    expect(JSON.parse(run.stdout)).toEqual({ platform: process.platform })
    expect(run.code).toBe(0)
  }, 60_000)

  scoped("map equals Array.map for any input and chunk size", () =>
    Effect.gen(function*() {
      const pool = yield* ProcessPool.make({ processes: 2 })
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(
            fc.array(fc.integer({ min: -1e6, max: 1e6 }), { maxLength: 300 }),
            fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
            async (xs, chunksize) => {
              const f = (x: number) => x * 3 + 1
              const got = await Effect.runPromise(pool.map(f, xs, chunksize === undefined ? {} : { chunksize }))
              expect(got).toEqual(xs.map(f))
              const streamed = await Effect.runPromise(Stream.runCollect(pool.imap(f, xs, chunksize === undefined ? {} : { chunksize })))
              expect(Chunk.toArray(streamed)).toEqual(xs.map(f))
            }
          ),
          { numRuns: 40 }
        )
      )
    }))

  scoped("what cannot travel fails the call with a typed error and nothing is sent", () =>
    Effect.gen(function*() {
      const pool = yield* ProcessPool.make({ processes: 1 })
      const outside = 3
      expect(tagOf(yield* Effect.flip(pool.apply((x: number) => x + outside, [1])))).toBe("UnportableFunctionError")
      expect(tagOf(yield* Effect.flip(pool.apply((f: unknown) => f, [() => 1])))).toBe("SerializationError")
      expect(tagOf(yield* Effect.flip(pool.apply(() => () => 1, [])))).toBe("SerializationError")
      expect(tagOf(yield* Effect.flip(pool.apply(Target.moduleExport(new URL("./fixtures/tasks.ts", import.meta.url), "nope"), []))))
        .toBe("InvalidTargetError")
      expect(tagOf(yield* Effect.flip(pool.map((x: number) => x, [1], { chunksize: 0 })))).toBe("ValueError")
      expect(yield* pool.apply(() => "still serving", [])).toBe("still serving")
    }))

  scoped("a Connection among a task's arguments or in its result is refused by name and place; a primitive in a class instance arrives as a proxy", () =>
    Effect.gen(function*() {
      const pool = yield* ProcessPool.make({ processes: 1 })
      const [end] = yield* Pipe.make()
      const asProcessArgument = "is not data: it can only be handed to a child as an argument of a Process (or of a Pool's initializer)"
      const inArgs = yield* Effect.flip(pool.apply((job: unknown) => job, [{ reply: end }]))
      expect(tagOf(inArgs)).toBe("SerializationError")
      expect(inArgs.message).toMatch(/^the arguments of .* cannot be sent to a worker: a Connection \(at args\[0\]\.reply\) /)
      expect(inArgs.message).toContain(asProcessArgument)
      // In a map, the place is the item's in the whole input, not in its chunk.
      const items = [0, 1, 2, 3, 4, { reply: end }, 6]
      const inMap = yield* Effect.flip(pool.map((x: unknown) => x, items, { chunksize: 2 }))
      expect(inMap.message).toContain(`a Connection (at items[5].reply) ${asProcessArgument}`)
      const inResult = yield* Effect.flip(pool.apply(tasks.returnPipeEnd, []))
      expect(tagOf(inResult)).toBe("SerializationError")
      expect(inResult.message).toContain(`cannot be sent back from the worker: a Connection (at value.end) ${asProcessArgument}`)

      class Job {
        constructor(readonly id: number, readonly done: Event.Event) {}
      }
      const job = new Job(7, yield* Event.make())
      expect(yield* pool.apply(async (job: { id: number; done: any }) => {
        const { Effect } = await import("effect")
        return Effect.as(job.done.set, job.id)
      }, [job])).toBe(7)
      expect(yield* job.done.isSet).toBe(true)
    }))

  scoped("an input that throws part-way: imap gives the whole chunks before it, then InputError; the pool stays usable", () =>
    Effect.gen(function*() {
      const pool = yield* ProcessPool.make({ processes: 2 })
      function* input() {
        for (let i = 0; i < 5; i++) yield i
        throw new Error("input broke")
      }
      const error = yield* Effect.flip(pool.map((x: number) => x, input()))
      expect(tagOf(error)).toBe("InputError")
      expect(((error as { cause: Error }).cause).message).toBe("input broke")
      const got: Array<number> = []
      const streamed = yield* Effect.flip(Stream.runForEach(pool.imap((x: number) => x * 2, input(), { chunksize: 2 }), (x) => Effect.sync(() => got.push(x))))
      expect(tagOf(streamed)).toBe("InputError")
      // Chunk-aligned, as Python's: the unfinished chunk [4] is never sent.
      expect(got).toEqual([0, 2, 4, 6])
      expect(yield* pool.map((x: number) => x, [7])).toEqual([7])
    }))

  scoped("imap and imapUnordered over an infinite generator: taking 5 ends the run, the input is read a bounded way ahead, then closed", () =>
    Effect.gen(function*() {
      const pool = yield* ProcessPool.make({ processes: 2 })
      for (const ordered of [true, false]) {
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
        const stream = ordered ? pool.imap((x: number) => x * 2, naturals()) : pool.imapUnordered((x: number) => x * 2, naturals())
        const firstFive = Chunk.toArray(yield* Stream.runCollect(Stream.take(stream, 5)))
        expect(ordered ? firstFive : firstFive.length).toEqual(ordered ? [0, 2, 4, 6, 8] : 5)
        expect(input.closed).toBe(true)
        const atStop = input.pulled
        // A task's round trip later, nothing more was read.
        expect(yield* pool.apply(() => "still serving", [])).toBe("still serving")
        expect(input.pulled).toBe(atStop)
        expect(atStop).toBeLessThan(1000)
      }
    }))

  scoped("Schema-typed tasks: arguments encoded, results decoded into class instances; a bad result is a ParseError", () =>
    Effect.gen(function*() {
      class Point extends Schema.Class<Point>("Point")({ x: Schema.Number, y: Schema.Number }) {}
      const pool = yield* ProcessPool.make({ processes: 1 })
      expect(yield* pool.apply(tasks.norm, [new Point({ x: 3, y: 4 })], { input: Schema.Tuple(Point), output: Schema.Number })).toBe(5)
      const mirrored = yield* pool.map(tasks.mirror, [new Point({ x: 1, y: 2 })], { input: Point, output: Point })
      expect(mirrored[0]).toBeInstanceOf(Point)
      expect(mirrored[0]).toEqual(new Point({ x: -1, y: -2 }))
      const bad = yield* Effect.flip(pool.apply(() => "not a number", [], { output: Schema.Number }))
      expect(tagOf(bad)).toBe("ParseError")
      // The dual forms take the same Schemas: items encoded on the way in, results decoded on the way out.
      const points = [new Point({ x: 1, y: 2 }), new Point({ x: 3, y: 4 })]
      const viaImap = Chunk.toArray(yield* Stream.runCollect(pool.pipe(ProcessPool.imap(tasks.mirror, points, { input: Point, output: Point }))))
      expect(viaImap).toEqual(points.map((p) => new Point({ x: -p.x, y: -p.y })))
      expect(viaImap.every((p) => p instanceof Point)).toBe(true)
      const viaUnordered = Chunk.toArray(yield* Stream.runCollect(ProcessPool.imapUnordered(pool, tasks.norm, points, { input: Point, output: Schema.Number })))
      expect([...viaUnordered].sort((a, b) => a - b)).toEqual([Math.hypot(1, 2), 5])
      const viaStream = Chunk.toArray(yield* Stream.runCollect(Stream.fromIterable(points).pipe(ProcessPool.mapStream(pool, tasks.mirror, { input: Point, output: Point }))))
      expect(viaStream).toEqual(viaImap)
      const badItem = yield* Effect.flip(Stream.runCollect(Stream.fromIterable([{ x: "one", y: 2 } as unknown as Point]).pipe(ProcessPool.mapStream(pool, tasks.mirror, { input: Point }))))
      expect(tagOf(badItem)).toBe("ParseError")
    }))

  scoped("progress: a callback per chunk, and mapWithProgress as a Stream ending with the results", () =>
    Effect.gen(function*() {
      const pool = yield* ProcessPool.make({ processes: 2 })
      const seen: Array<number> = []
      yield* pool.map((x: number) => x, Array.from({ length: 10 }, (_, i) => i), { chunksize: 3, progress: (p) => seen.push(p.done) })
      expect(seen).toHaveLength(4)
      expect(seen[3]).toBe(10)
      expect([...seen].sort((a, b) => a - b)).toEqual(seen)
      const events = Chunk.toArray(yield* Stream.runCollect(pool.mapWithProgress((x: number) => x * 2, [1, 2, 3, 4], { chunksize: 1 })))
      expect(events.filter((e) => e._tag === "Progress")).toHaveLength(4)
      expect(events.at(-1)).toEqual({ _tag: "Done", results: [2, 4, 6, 8] })
    }))
})

describe("Pool reliability", () => {
  const deaths = {
    "process.exit": { fn: () => process.exit(3), check: { exitCode: 3, signal: null } },
    "an uncaught async throw": {
      fn: () =>
        new Promise(() =>
          setTimeout(() => {
            throw new Error("thrown later")
          }, 1)
        ),
      check: { exitCode: 1, signal: null }
    },
    "SIGKILL": { fn: () => process.kill(process.pid, "SIGKILL"), check: { exitCode: null, signal: "SIGKILL" } },
    "running out of memory": {
      fn: () => {
        const hoard: Array<Array<number>> = []
        for (;;) hoard.push(new Array(1e6).fill(1.5))
      },
      check: { exitCode: null, signal: "SIGABRT" }
    }
  } as const

  for (const [how, { check, fn }] of Object.entries(deaths)) {
    scoped(`a worker dying by ${how} fails only its task, in apply, map and imap, and is replaced`, () =>
      Effect.gen(function*() {
        const pool = yield* ProcessPool.make({ processes: 2, execArgv: ["--max-old-space-size=32"] })
        const die = fn as (x?: number) => unknown
        const viaApply = yield* Effect.flip(pool.apply(die, []))
        const viaMap = yield* Effect.flip(pool.map((x: number) => x, [1]).pipe(Effect.zipRight(pool.map(die, [1]))))
        const viaImap = yield* Effect.flip(Stream.runDrain(pool.imap(die, [1])))
        for (const error of [viaApply, viaMap, viaImap]) {
          expect(tagOf(error)).toBe("WorkerLostError")
          expect(error).toMatchObject(check)
        }
        // The others of a map still succeed; the pool keeps its size and serves.
        const mixed = yield* Effect.either(pool.map((x: number) => x * 2, [1, 2, 3, 4], { chunksize: 1 }))
        expect(mixed).toEqual(Either.right([2, 4, 6, 8]))
        expect(pool.pids).toHaveLength(2)
        expect(yield* pool.apply((x: number) => x + 1, [41])).toBe(42)
      }), 60_000)
  }

  /** A task that writes `bytes` to its worker's control channel (descriptor 3), then returns. */
  const scribble = (bytes: Array<number>) => {
    require("node:fs").writeSync(3, Uint8Array.from(bytes))
    return "written"
  }

  scoped("a task writing a header of 0x7fffffff bytes to its worker's channel: WorkerLostError, the worker is replaced, the pool goes on", () =>
    Effect.gen(function*() {
      const pool = yield* ProcessPool.make({ processes: 1 })
      const [pid] = pool.pids
      const queued = yield* Effect.fork(pool.map((x: number) => x + 1, [1, 2, 3], { chunksize: 1 }))
      const error = yield* Effect.flip(pool.apply(scribble, [[0x7f, 0xff, 0xff, 0xff]]))
      expect(error).toMatchObject({ _tag: "WorkerLostError", pid, signal: "SIGKILL" })
      expect(error.message).toContain("control channel")
      expect(yield* Fiber.join(queued)).toEqual([2, 3, 4])
      expect(yield* pool.apply((x: number) => x + 1, [41])).toBe(42)
      expect(pool.pids).not.toContain(pid)
    }), 60_000)

  it.live.prop(
    "random bytes written to a worker's channel fail that task with WorkerLostError, and the pool goes on",
    [fc.uint8Array({ minLength: 1, maxLength: 64 })],
    ([bytes]) =>
      Effect.gen(function*() {
        const pool = yield* ProcessPool.make({ processes: 1 })
        expect(tagOf(yield* Effect.flip(pool.apply(scribble, [[...bytes]])))).toBe("WorkerLostError")
        expect(yield* pool.apply((x: number) => x * 2, [21])).toBe(42)
      }).pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)),
    { timeout: 120_000, fastCheck: { numRuns: 6 } }
  )

  scoped("a result larger than the socket's buffer is out before the next task starts: a crash after it blames the right task", () =>
    Effect.gen(function*() {
      const pool = yield* ProcessPool.make({ processes: 1 })
      const big = yield* Effect.fork(pool.apply(() => "x".repeat(8 * 1024 * 1024), []))
      const dying = yield* Effect.fork(pool.apply(() => process.exit(3), []))
      expect((yield* Fiber.join(big)).length).toBe(8 * 1024 * 1024)
      expect(yield* Effect.flip(Fiber.join(dying))).toMatchObject({ _tag: "WorkerLostError", exitCode: 3 })
    }))

  scoped("a worker still starting is not handed tasks while a ready one can take them", () =>
    withTempDir((dir) =>
      Effect.gen(function*() {
        const hold = path.join(dir, "hold")
        const pool = yield* ProcessPool.make({
          processes: 1,
          initializer: (flag: string) => {
            // Workers started while the flag exists are not ready until it is removed.
            const fs = require("node:fs")
            while (fs.existsSync(flag)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10)
          },
          initargs: [hold]
        })
        const ready = yield* pool.apply(() => process.pid, [])
        writeFileSync(hold, "")
        yield* pool.grow(1)
        // The new worker cannot be ready while the flag exists: had it been handed a task, the map would wait for it.
        const pids = yield* pool.map(() => process.pid, Array.from({ length: 400 }), { chunksize: 1 })
        expect(new Set(pids)).toEqual(new Set([ready]))
        expect(existsSync(hold)).toBe(true)
        rmSync(hold)
        expect(yield* pool.map((x: number) => x + 1, [1, 2])).toEqual([2, 3])
      })))

  scoped("hard time limit: counted from each task's start; past it the worker is killed and replaced", () =>
    Effect.gen(function*() {
      const pool = yield* ProcessPool.make({ processes: 1 })
      // Three 600 ms tasks queued on one worker, each limited to 1.5 s: fine from their starts, not from
      // submission (the third ends 1.8 s after it). The slack, 0.9 s a task, is for a loaded machine.
      const sleepy = (ms: number) => new Promise((resolve) => setTimeout(() => resolve(ms), ms))
      expect(yield* Effect.all([600, 600, 600].map((ms) => pool.apply(sleepy, [ms], { timeout: "1500 millis" })), { concurrency: "unbounded" }))
        .toEqual([600, 600, 600])
      const before = pool.pids[0]
      const started = Date.now()
      // A task that never ends by itself: its failure is the limit's doing.
      const error = yield* Effect.flip(pool.apply(() => {
        for (;;);
      }, [], { timeout: "200 millis" }))
      expect(tagOf(error)).toBe("TimeLimitExceeded")
      expect(error).toMatchObject({ pid: before, limitMs: 200 })
      expect(Date.now() - started).toBeGreaterThanOrEqual(200)
      expect(isRunning(before)).toBe(false)
      expect(yield* pool.apply(() => "next", [])).toBe("next")
      expect(pool.pids[0]).not.toBe(before)
    }))

  scoped("interruption withdraws queued tasks and stops a running one with its worker", () =>
    withTempDir((dir) =>
      Effect.gen(function*() {
        const pool = yield* ProcessPool.make({ processes: 1 })
        const before = pool.pids[0]
        const marker = path.join(dir, "ran")
        const started = path.join(dir, "started")
        const busy = yield* Effect.fork(pool.apply((file: string) => {
          require("node:fs").writeFileSync(file, "started")
          const until = Date.now() + 60_000
          while (Date.now() < until);
        }, [started]))
        const queued = yield* Effect.fork(pool.apply((file: string) => require("node:fs").writeFileSync(file, "ran"), [marker]))
        while (!existsSync(started)) yield* Effect.sleep("10 millis")
        yield* Fiber.interrupt(queued)
        yield* Fiber.interrupt(busy)
        // Served by a new worker, the busy one (a minute of work left) stopped.
        expect(yield* pool.apply(() => "served", [])).toBe("served")
        expect(isRunning(before)).toBe(false)
        expect(pool.pids[0]).not.toBe(before)
        expect(existsSync(marker)).toBe(false)
      })))

  scoped("maxtasksperchild and maxMemoryPerChild replace workers; grow and shrink change the size", () =>
    Effect.gen(function*() {
      const recycled = yield* ProcessPool.make({ processes: 1, maxtasksperchild: 2 })
      const pids = yield* Effect.forEach([1, 2, 3, 4, 5], () => recycled.apply(() => process.pid, []))
      expect(pids[0]).toBe(pids[1])
      expect(pids[2]).toBe(pids[3])
      expect(new Set(pids).size).toBe(3)

      const capped = yield* ProcessPool.make({ processes: 1, maxMemoryPerChild: 300 * 1024 * 1024 })
      const first = yield* capped.apply(() => process.pid, [])
      expect(yield* capped.apply(() => process.pid, [])).toBe(first)
      yield* capped.apply(() => {
        ;(globalThis as Record<string, unknown>).hoard = Buffer.alloc(400 * 1024 * 1024, 1)
      }, [])
      expect(yield* capped.apply(() => process.pid, [])).not.toBe(first)

      const sized = yield* ProcessPool.make({ processes: 1 })
      yield* sized.grow(2)
      expect(sized.pids).toHaveLength(3)
      expect(new Set(yield* sized.map(() => process.pid, Array.from({ length: 60 }), { chunksize: 1 })).size).toBeGreaterThan(0)
      yield* sized.shrink(2)
      expect(sized.pids).toHaveLength(1)
      expect(tagOf(yield* Effect.flip(sized.shrink(1)))).toBe("ValueError")
      expect(yield* sized.apply(() => "one left", [])).toBe("one left")
    }), 60_000)

  live("Pool(0) fails; a closed pool refuses work; join before close fails; leaving the scope terminates", () =>
    Effect.gen(function*() {
      expect(tagOf(yield* Effect.flip(Effect.scoped(ProcessPool.make({ processes: 0 }))))).toBe("ValueError")
      const pids = yield* Effect.scoped(Effect.gen(function*() {
        const pool = yield* ProcessPool.make({ processes: 2 })
        expect(tagOf(yield* Effect.flip(pool.join))).toBe("ValueError")
        yield* pool.apply(() => 1, [])
        return pool.pids
      }))
      for (const pid of pids) expect(isRunning(pid)).toBe(false)
      const outcome = yield* Effect.scoped(Effect.gen(function*() {
        const pool = yield* ProcessPool.make({ processes: 1 })
        yield* pool.close
        yield* pool.join
        return yield* Effect.exit(pool.apply(() => 1, []))
      }))
      expect(Exit.isFailure(outcome) ? tagOf(Cause.squash(outcome.cause)) : "succeeded").toBe("ValueError")
    }))

  live("terminate returns at once with 10 000 tasks pending; they fail with Terminated", () =>
    Effect.scoped(Effect.gen(function*() {
      const pool = yield* ProcessPool.make({ processes: 2 })
      const all = yield* Effect.fork(Effect.all(
        Array.from({ length: 10_000 }, (_, i) => Effect.either(pool.apply((ms: number) => new Promise((r) => setTimeout(r, ms)), [i % 3]))),
        { concurrency: "unbounded" }
      ))
      yield* Effect.sleep("50 millis")
      const pids = pool.pids
      // terminate itself returns at once: it runs to its end synchronously, before any worker has been waited for.
      const unreaped = yield* Effect.sync(() => {
        Effect.runSync(pool.terminate)
        return pids.filter(exists)
      })
      expect(unreaped).toEqual(pids)
      const outcomes = yield* Fiber.join(all)
      const failed = outcomes.filter(Either.isLeft)
      expect(failed.length).toBeGreaterThan(0)
      for (const outcome of failed) expect(tagOf(outcome.left)).toBe("Terminated")
      yield* pool.join
    })))
}, { timeout: 120_000 })

/** The tests whose behaviour is the same under both start methods run under each. */
describe.each(["spawn", "thread"] as const)("Pool (start method %s)", (method) => {
  const withMethod = <A, E>(body: () => Effect.Effect<A, E, any>) => () =>
    Effect.zipRight(ProcessContext.setStartMethod(method, { force: true }), body())
  const scoped = <A, E>(name: string, body: () => Effect.Effect<A, E, any>, timeout?: number): void =>
    scopedTest(name, withMethod(body), timeout)
  const live = <A, E>(name: string, body: () => Effect.Effect<A, E, any>, timeout?: number): void =>
    liveTest(name, withMethod(body), timeout)

    scoped("apply, map, starmap, imap and imapUnordered give what the functions return", () =>
      Effect.gen(function*() {
        const pool = yield* ProcessPool.make({ processes: 2 })
        expect(pool.pids).toHaveLength(2)
        expect(yield* pool.apply((a: number, b: string) => `${b}${a}`, [1, "x"])).toBe("x1")
        // Python's apply(func): args default to none (a plain JavaScript caller may leave them out).
        expect(yield* (pool.apply as (f: (...rest: Array<unknown>) => number) => Effect.Effect<number, unknown>)((...rest: Array<unknown>) => rest.length)).toBe(0)
        expect(yield* pool.map((x: number) => x * x, [1, 2, 3, 4, 5], { chunksize: 2 })).toEqual([1, 4, 9, 16, 25])
        expect(yield* pool.starmap((x: number, y: number) => x - y, [[5, 1], [10, 3]])).toEqual([4, 7])
        expect(Chunk.toArray(yield* Stream.runCollect(pool.imap((x: number) => x + 1, [1, 2, 3])))).toEqual([2, 3, 4])
        const unordered = Chunk.toArray(yield* Stream.runCollect(pool.imapUnordered((x: number) => x * 10, [3, 1, 2], { chunksize: 1 })))
        expect([...unordered].sort((a, b) => a - b)).toEqual([10, 20, 30])
        expect(yield* pool.map((x: number) => x, [])).toEqual([])
        expect(Chunk.toArray(yield* Stream.runCollect(pool.imap((x: number) => x, [])))).toEqual([])
      }))

    scoped("tasks may return Promises and Effects, and module exports keep their types", () =>
      Effect.gen(function*() {
        const pool = yield* ProcessPool.make({ processes: 2 })
        const squares: ReadonlyArray<number> = yield* pool.map(tasks.square, [1, 2, 3])
        expect(squares).toEqual([1, 4, 9])
        expect(yield* pool.apply(tasks.greet, ["pool", "?"])).toBe("hello pool?")
        expect(yield* pool.apply(tasks.effectful, [21])).toEqual({ doubled: 42 })
        expect(yield* pool.apply((ms: number) => new Promise((resolve) => setTimeout(() => resolve(ms), ms)), [20])).toBe(20)
      }))

    scoped("a failing task reaches the caller with its type, message and remote stack; the pool goes on", () =>
      Effect.gen(function*() {
        const pool = yield* ProcessPool.make({ processes: 1 })
        const error = yield* Effect.flip(pool.apply(function explode(what: string) {
          throw new TypeError(`bad ${what}`)
        }, ["input"]))
        expect(tagOf(error)).toBe("RemoteError")
        if (error._tag !== "RemoteError") throw error
        expect(error.type).toBe("TypeError")
        expect(error.message).toBe("bad input")
        expect(error.remoteStack).toContain("explode")
        expect(error.pid).toBe(pool.pids[0])
        const inMap = yield* Effect.flip(pool.map((x: number) => {
          if (x === 3) throw new RangeError("three")
          return x
        }, [1, 2, 3, 4], { chunksize: 1 }))
        expect((inMap as { type?: string }).type).toBe("RangeError")
        expect(yield* pool.apply((x: number) => x + 1, [1])).toBe(2)
      }))

    scoped("shared primitives travel to workers: a Queue through initargs, a Value and its Lock as task arguments", () =>
      Effect.gen(function*() {
        const q = new compat.Queue<number>()
        const total = compat.Value("i", 0)
        const pool = yield* ProcessPool.make({
          processes: 2,
          initializer: (queue: unknown) => {
            ;(globalThis as Record<string, unknown>).results = queue
          },
          initargs: [q]
        })
        yield* pool.map((x: number) => ((globalThis as Record<string, unknown>).results as typeof q).put(x * 2), [1, 2, 3])
        const got = yield* Effect.promise(() => Promise.all([q.get(true, 10), q.get(true, 10), q.get(true, 10)]))
        expect([...got].sort()).toEqual([2, 4, 6])
        yield* pool.starmap(async (value: typeof total, n: number) => {
          const lock = await value.getLock()
          await lock.withLock(async () => value.set((await value.get()) + n))
        }, Array.from({ length: 20 }, (_, i) => [total, i] as [typeof total, number]), { chunksize: 1 })
        expect(yield* Effect.promise(() => total.get())).toBe(190)
        q.dispose()
        total.close()
      }))

    scoped("tasks queued behind a task whose worker dies run on other workers", () =>
      Effect.gen(function*() {
        const pool = yield* ProcessPool.make({ processes: 1 })
        const dying = yield* Effect.fork(pool.apply(() => new Promise(() => setTimeout(() => process.exit(7), 50)), []))
        const after = yield* Effect.fork(pool.map((x: number) => x + 1, [1, 2, 3], { chunksize: 1 }))
        expect(tagOf(yield* Effect.flip(Fiber.join(dying)))).toBe("WorkerLostError")
        expect(yield* Fiber.join(after)).toEqual([2, 3, 4])
      }))

    scoped("soft time limit: the task's signal aborts, an Effect task is interrupted, the worker stays", () =>
      withTempDir((dir) =>
        Effect.gen(function*() {
          const pool = yield* ProcessPool.make({ processes: 1, softTimeout: "150 millis" })
          const pid = pool.pids[0]
          const aborted = path.join(dir, "aborted")
          const interrupted = path.join(dir, "interrupted")
          expect(tagOf(yield* Effect.flip(pool.apply(signalTasks.promiseUntilAborted, [aborted])))).toBe("SoftTimeLimitExceeded")
          expect(tagOf(yield* Effect.flip(pool.apply(tasks.effectUntilInterrupted, [interrupted])))).toBe("SoftTimeLimitExceeded")
          // The worker writes them once it has heard of the limit, which the pool reports without waiting for it.
          expect(yield* writtenSoon(aborted)).toBe("aborted")
          expect(yield* writtenSoon(interrupted)).toBe("interrupted")
          expect(yield* pool.apply(() => "same worker", [])).toBe("same worker")
          expect(pool.pids).toEqual([pid])
        })))

    live("workers that keep failing at start-up fail the pool with WorkerStartupError", () =>
      Effect.scoped(Effect.gen(function*() {
        const pool = yield* ProcessPool.make({
          processes: 2,
          initializer: () => {
            throw new Error("no database")
          }
        })
        const error = yield* Effect.flip(pool.apply(() => 1, []))
        expect(tagOf(error)).toBe("WorkerStartupError")
        expect(error.message).toContain("no database")
        // The third failure in a row broke the pool: no respawning forever.
        expect(error).toMatchObject({ failures: 3 })
        expect(tagOf(yield* Effect.flip(pool.apply(() => 1, [])))).toBe("WorkerStartupError")
      })))
})
