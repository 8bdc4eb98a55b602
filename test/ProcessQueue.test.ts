import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, FastCheck as fc, Fiber, Schema, Stream } from "effect"
import { Lock, NodeMultiprocessing, Pipe, Process, ProcessQueue, Target } from "effect-multiprocessing"
import * as compat from "effect-multiprocessing/compat"
import type * as Tasks from "./fixtures/tasks.js"

const tasks = Target.module<typeof Tasks>(new URL("./fixtures/tasks.ts", import.meta.url))

const tagOf = (error: unknown) => (error as { _tag?: string })._tag

describe("ProcessQueue in its owner (Effect face)", () => {
  it.scoped("FIFO, with qsize, empty and full", () =>
    Effect.gen(function*() {
      const q = yield* ProcessQueue.make({ maxsize: 3 })
      expect(yield* q.empty).toBe(true)
      yield* q.put("a")
      yield* q.put({ b: [1, 2] })
      yield* q.put(new Map([[1, "c"]]))
      expect(yield* q.qsize).toBe(3)
      expect(yield* q.full).toBe(true)
      expect(yield* q.get()).toBe("a")
      expect(yield* q.get()).toEqual({ b: [1, 2] })
      expect(yield* q.get()).toEqual(new Map([[1, "c"]]))
      expect(yield* q.empty).toBe(true)
    }))

  it.scopedLive("a full queue refuses at once, or after the timeout, with Full; an empty one with Empty", () =>
    Effect.gen(function*() {
      const q = yield* ProcessQueue.make({ maxsize: 1 })
      yield* q.put(1)
      expect(tagOf(yield* Effect.flip(q.putNowait(2)))).toBe("Full")
      expect(tagOf(yield* Effect.flip(q.put(2, { block: false })))).toBe("Full")
      const started = Date.now()
      expect(tagOf(yield* Effect.flip(q.put(2, { timeout: "50 millis" })))).toBe("TimeoutError")
      expect(Date.now() - started).toBeGreaterThanOrEqual(45)
      expect(yield* q.get()).toBe(1)
      expect(tagOf(yield* Effect.flip(q.getNowait))).toBe("Empty")
      expect(tagOf(yield* Effect.flip(q.get({ timeout: "30 millis" })))).toBe("TimeoutError")
      expect(yield* q.qsize).toBe(0) // the refused put left nothing behind
    }))

  it.scopedLive("a put waiting for room goes in as soon as a get makes some", () =>
    Effect.gen(function*() {
      const q = yield* ProcessQueue.make({ maxsize: 1 })
      yield* q.put("first")
      const waiting = yield* Effect.fork(q.put("second"))
      yield* Effect.sleep("10 millis")
      expect(yield* q.qsize).toBe(1)
      expect(yield* q.get()).toBe("first")
      yield* Fiber.join(waiting)
      expect(yield* q.get()).toBe("second")
    }))

  it.scopedLive("interrupting a waiting get or put withdraws it: nothing is lost or put twice", () =>
    Effect.gen(function*() {
      const q = yield* ProcessQueue.make({ maxsize: 1 })
      const getter = yield* Effect.fork(q.get())
      yield* Effect.sleep("5 millis")
      yield* Fiber.interrupt(getter)
      yield* q.put("kept")
      const putter = yield* Effect.fork(q.put("withdrawn"))
      yield* Effect.sleep("5 millis")
      yield* Fiber.interrupt(putter)
      expect(yield* q.get()).toBe("kept")
      expect(tagOf(yield* Effect.flip(q.getNowait))).toBe("Empty")
    }))

  it.effect.prop(
    "random puts and gets on a bounded queue behave as a FIFO model",
    [fc.integer({ min: 1, max: 5 }), fc.array(fc.oneof(fc.constant("get" as const), fc.integer()), { maxLength: 60 })],
    ([maxsize, steps]) =>
      Effect.scoped(Effect.gen(function*() {
        const q = yield* ProcessQueue.make({ maxsize })
        const model: Array<number> = []
        for (const step of steps) {
          if (step === "get") {
            const got = yield* Effect.either(q.getNowait)
            if (model.length === 0) expect(got._tag === "Left" && tagOf(got.left)).toBe("Empty")
            else expect(Either.getOrUndefined(got)).toBe(model.shift())
          } else {
            const put = yield* Effect.either(q.putNowait(step))
            if (model.length >= maxsize) expect(put._tag === "Left" && tagOf(put.left)).toBe("Full")
            else {
              expect(put._tag).toBe("Right")
              model.push(step)
            }
          }
          expect(yield* q.qsize).toBe(model.length)
        }
      })),
    { fastCheck: { numRuns: 50 } }
  )

  it.scoped("a maxsize that is no integer is a TypeError, a NaN timeout a ValueError, each naming it (both faces)", () =>
    Effect.gen(function*() {
      for (const maxsize of ["3", 2.5, NaN]) {
        const error = yield* Effect.flip(ProcessQueue.make({ maxsize: maxsize as never }))
        expect(error._tag).toBe("TypeError")
        expect(error.message).toContain("maxsize must be an integer")
        for (const make of [() => new compat.Queue(maxsize as never), () => new compat.JoinableQueue(maxsize as never)]) {
          expect(make).toThrow(compat.TypeError)
          expect(make).toThrow(/maxsize must be an integer/)
        }
      }
      expect(() => new compat.Queue("3" as never)).toThrow(/got the string "3"/)
      const q = yield* ProcessQueue.make()
      yield* q.put(1)
      const effectGet = yield* Effect.flip(q.get({ timeout: NaN }))
      expect(tagOf(effectGet)).toBe("ValueError")
      expect((effectGet as { message: string }).message).toContain("got NaN")
      expect(tagOf(yield* Effect.flip(q.put(2, { timeout: NaN })))).toBe("ValueError")
      const cq = new compat.Queue<number>()
      yield* Effect.promise(async () => {
        await cq.put(1)
        await expect(cq.get(true, NaN)).rejects.toThrow(/timeout must be a number of seconds.*got NaN/)
        await expect(cq.get({ timeout: "2" as never })).rejects.toBeInstanceOf(compat.ValueError)
        await expect(cq.put(2, true, NaN)).rejects.toBeInstanceOf(compat.ValueError)
        expect(await cq.get(true, 1)).toBe(1) // the refused calls took and put nothing
        expect(await cq.qsize()).toBe(0)
      })
      cq.dispose()
      expect(yield* q.get()).toBe(1)
    }))

  it.scoped("end: puts fail, gets drain what is left, then fail with EOFError; a Stream ends there", () =>
    Effect.gen(function*() {
      const q = yield* ProcessQueue.make()
      const waiting = yield* Effect.fork(q.get())
      yield* Effect.forEach([1, 2, 3], (i) => q.put(i))
      expect(yield* Fiber.join(waiting)).toBe(1)
      yield* q.end
      expect(tagOf(yield* Effect.flip(q.put(4)))).toBe("ValueError")
      expect(Chunk.toReadonlyArray(yield* Stream.runCollect(ProcessQueue.toStream(q)))).toEqual([2, 3])
      expect(tagOf(yield* Effect.flip(q.get()))).toBe("EOFError")
    }))

  it.scopedLive("a get waiting when the queue ends fails with EOFError instead of hanging", () =>
    Effect.gen(function*() {
      const q = yield* ProcessQueue.make()
      const waiting = yield* Effect.fork(Effect.flip(q.get()))
      yield* Effect.sleep("5 millis")
      yield* q.end
      expect(tagOf(yield* Fiber.join(waiting))).toBe("EOFError")
    }))

  it.scoped("an item the codec cannot carry fails its put with SerializationError; the queue goes on", () =>
    Effect.gen(function*() {
      const q = yield* ProcessQueue.make()
      const error = yield* Effect.flip(q.put({ callback: () => 1 }))
      expect(tagOf(error)).toBe("SerializationError")
      expect(error.message).toContain("cannot serialize")
      yield* q.put("fine")
      expect(yield* q.get()).toBe("fine")
    }))

  it.scoped("a typed queue encodes with its Schema and gives back instances; a bad item is a ParseError", () =>
    Effect.gen(function*() {
      class Job extends Schema.Class<Job>("Job")({ id: Schema.Number, at: Schema.Date }) {}
      const q = yield* ProcessQueue.make({ schema: Job })
      const job = new Job({ id: 7, at: new Date(0) })
      yield* q.put(job)
      const got = yield* q.get()
      expect(got).toBeInstanceOf(Job)
      expect(got).toEqual(job)
      const untyped = yield* ProcessQueue.make()
      const typed = ProcessQueue.withSchema(untyped, Job)
      yield* untyped.put({ id: "seven" })
      expect(tagOf(yield* Effect.flip(typed.get()))).toBe("ParseError")
      yield* untyped.put({ id: 8, at: new Date(1).toISOString() })
      expect((yield* typed.get()).id).toBe(8) // the queue goes on after a bad item
    }))

  it.scoped("close: this handle puts and gets no more; joinThread needs it closed", () =>
    Effect.gen(function*() {
      const q = yield* ProcessQueue.make()
      expect(tagOf(yield* Effect.flip(q.joinThread))).toBe("ValueError")
      yield* q.close
      const error = yield* Effect.flip(q.put(1))
      expect(tagOf(error)).toBe("ValueError")
      expect(error.message).toContain("closed")
      expect(tagOf(yield* Effect.flip(q.get()))).toBe("ValueError")
      yield* q.joinThread
    }))

  it.scopedLive("JoinableQueue: join waits for every taskDone; one too many fails with ValueError", () =>
    Effect.gen(function*() {
      const q = yield* ProcessQueue.makeJoinable()
      yield* Effect.forEach([1, 2], (i) => q.put(i))
      const joined = yield* Effect.fork(q.join)
      yield* q.get()
      yield* q.taskDone
      yield* Effect.sleep("5 millis")
      expect(joined.unsafePoll()).toBeNull()
      yield* q.get()
      yield* q.taskDone
      yield* Fiber.join(joined)
      const error = yield* Effect.flip(q.taskDone)
      expect(tagOf(error)).toBe("ValueError")
      expect(error.message).toContain("too many times")
      const plain = yield* ProcessQueue.make()
      expect(tagOf(yield* Effect.flip((plain as unknown as ProcessQueue.JoinableQueue).taskDone))).toBe("ValueError")
    }))

  it.effect("when its Scope closes the queue ends and a waiting join fails instead of hanging", () =>
    Effect.gen(function*() {
      const { joined, q } = yield* Effect.scoped(Effect.gen(function*() {
        const q = yield* ProcessQueue.makeJoinable()
        yield* q.put(1)
        return { q, joined: yield* Effect.forkDaemon(Effect.flip(q.join)) }
      }))
      expect(tagOf(yield* Fiber.join(joined))).toBe("EOFError")
      expect(tagOf(yield* Effect.flip(q.put(2)))).toBe("ValueError")
    }))
})

describe("ProcessQueue combinators (Effect face)", () => {
  it.scoped.prop(
    "ProcessQueue.put and ProcessQueue.get, data-first and piped, keep FIFO order for any items (options-like ones too)",
    [fc.array(fc.tuple(fc.boolean(), fc.oneof(fc.integer(), fc.string(), fc.record({ block: fc.boolean() }), fc.record({ timeout: fc.nat() }))), { maxLength: 40 })],
    ([steps]) =>
      Effect.gen(function*() {
        const q = yield* ProcessQueue.make()
        for (const [piped, item] of steps) yield* (piped ? q.pipe(ProcessQueue.put(item)) : ProcessQueue.put(q, item))
        const got: Array<unknown> = []
        for (const [piped] of steps) got.push(yield* (piped ? q.pipe(ProcessQueue.get({ timeout: "10 seconds" })) : ProcessQueue.get(q)))
        expect(got).toEqual(steps.map(([, item]) => item))
        expect(tagOf(yield* Effect.flip(ProcessQueue.getNowait(q)))).toBe("Empty")
      }),
    { fastCheck: { numRuns: 30 } }
  )

  it.scopedLive("putNowait, getNowait and taskDone as functions; a queue received by a child pipes too", () =>
    Effect.gen(function*() {
      const q = yield* ProcessQueue.makeJoinable({ maxsize: 1 })
      yield* q.pipe(ProcessQueue.putNowait("a"))
      expect(tagOf(yield* Effect.flip(ProcessQueue.putNowait(q, "b")))).toBe("Full")
      expect(yield* q.pipe(ProcessQueue.getNowait)).toBe("a")
      yield* ProcessQueue.taskDone(q)
      expect(ProcessQueue.isQueue(q)).toBe(true)
      expect(ProcessQueue.isQueue({ put: () => undefined })).toBe(false)
      // The child's proxy is a queue handle of its own: `pipe` works there as here.
      yield* Process.run({ target: (q: ProcessQueue.Queue) => q.pipe((self) => self.put("from the child")), args: [q] })
      expect(yield* q.pipe(ProcessQueue.get({ timeout: "10 seconds" }))).toBe("from the child")
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))
})

describe("Queue across processes", () => {
  it.live("a producer that puts and returns at once still delivers everything, in order", () =>
    Effect.promise(async () => {
      const q = new compat.Queue<number>()
      const child = new compat.Process({
        target: async (q: compat.Queue<number>, n: number) => {
          for (let i = 0; i < n; i++) await q.put(i)
        },
        args: [q, 5000]
      })
      child.start()
      const got: Array<number> = []
      for (let i = 0; i < 5000; i++) got.push(await q.get(true, 10))
      expect(got).toEqual(Array.from({ length: 5000 }, (_, i) => i))
      expect(await child.join()).toBe(0)
      child.close()
      q.dispose()
    }))

  it.live("…and so does one that calls process.exit() right after its puts", () =>
    Effect.promise(async () => {
      const q = new compat.Queue<string>()
      const child = new compat.Process({
        target: async (q: compat.Queue<string>) => {
          for (let i = 0; i < 100; i++) await q.put(`item ${i}`)
          process.exit(3)
        },
        args: [q]
      })
      child.start()
      expect(await child.join()).toBe(3)
      const got: Array<string> = []
      while (got.length < 100) got.push(await q.get(true, 5))
      expect(got[99]).toBe("item 99")
      expect(await q.empty()).toBe(true)
      child.close()
      q.dispose()
    }))

  it.live("items a consumer took from the owner but did not hand out go back when it exits", () =>
    Effect.promise(async () => {
      const q = new compat.Queue<number>()
      for (let i = 0; i < 3000; i++) await q.put(i)
      const child = new compat.Process({
        target: async (q: compat.Queue<number>) => {
          const got: Array<number> = []
          for (let i = 0; i < 1000; i++) got.push(await q.get())
          return got
        },
        args: [q]
      })
      child.start()
      const taken = (await child.result()) as Array<number>
      await child.join()
      child.close()
      expect(taken).toEqual(Array.from({ length: 1000 }, (_, i) => i))
      const rest: Array<number> = []
      while (rest.length < 2000) rest.push(await q.get(true, 5))
      expect(rest).toEqual(Array.from({ length: 2000 }, (_, i) => 1000 + i))
      expect(await q.qsize()).toBe(0)
      q.dispose()
    }))

  // Exactly what its gets did not return, in order, as in Python: nothing lost, and nothing its gets
  // returned comes again (the owner learns of each take before the get returns).
  const afterKill = (rest: ReadonlyArray<number>) => {
    expect(rest).toEqual(Array.from({ length: 1900 }, (_, i) => 100 + i))
  }

  it.live("compat: a consumer killed by a signal loses none of the items its gets did not return, and none its gets returned comes again", () =>
    Effect.promise(async () => {
      const q = new compat.Queue<number>()
      for (let i = 0; i < 2000; i++) await q.put(i)
      const child = new compat.Process({
        target: async (q: compat.Queue<number>) => {
          for (let i = 0; i < 100; i++) if (await q.get() !== i) process.exit(2)
          process.kill(process.pid, "SIGKILL")
        },
        args: [q]
      })
      child.start()
      expect(await child.join()).toBe(-9)
      child.close()
      const rest: Array<number> = []
      const end = await (async () => {
        for (;;) rest.push(await q.get(true, 2))
      })().catch((error) => error)
      expect(end).toBeInstanceOf(compat.Empty)
      q.dispose()
      afterKill(rest)
    }), 30_000)

  it.scopedLive("Effect face: a consumer killed by a signal loses none of the items its gets did not return, and none its gets returned comes again", () =>
    Effect.gen(function*() {
      const q = yield* ProcessQueue.make()
      for (let i = 0; i < 2000; i++) yield* q.put(i)
      const child = yield* Process.start({
        target: async (q: any) => {
          const { Effect } = await import("effect")
          for (let i = 0; i < 100; i++) if (await Effect.runPromise(q.get()) !== i) process.exit(2)
          process.kill(process.pid, "SIGKILL")
        },
        args: [q]
      })
      expect(yield* child.join()).toBe(-9)
      const rest: Array<number> = []
      const end = yield* Effect.flip(Effect.forever(Effect.map(q.get({ timeout: "2 seconds" }), (item) => rest.push(item as number))))
      expect(tagOf(end)).toBe("TimeoutError")
      afterKill(rest)
    }).pipe(Effect.provide(NodeMultiprocessing.layer)), 30_000)

  it.live("several producers and consumers: nothing lost or duplicated, each producer's items in order", () =>
    Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 0, max: 400 }),
          fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20 })),
          async (producers, consumers, perProducer, maxsize) => {
            const q = new compat.Queue<[number, number] | null>(maxsize)
            const children = [
              ...Array.from({ length: producers }, (_, k) =>
                new compat.Process({
                  target: async (q: compat.Queue<[number, number] | null>, k: number, n: number) => {
                    for (let i = 0; i < n; i++) await q.put([k, i])
                  },
                  args: [q, k, perProducer]
                })),
              ...Array.from({ length: consumers }, () =>
                new compat.Process({
                  target: async (q: compat.Queue<[number, number] | null>) => {
                    const got: Array<[number, number]> = []
                    for (let item = await q.get(); item !== null; item = await q.get()) got.push(item)
                    return got
                  },
                  args: [q]
                }))
            ]
            for (const child of children) child.start()
            for (const producer of children.slice(0, producers)) await producer.join()
            for (let c = 0; c < consumers; c++) await q.put(null) // one sentinel per consumer, after every item
            const received = (await Promise.all(children.slice(producers).map((c) => c.result()))) as Array<Array<[number, number]>>
            for (const child of children) {
              await child.join()
              child.close()
            }
            q.dispose()
            for (const got of received) {
              for (let k = 0; k < producers; k++) {
                const mine = got.filter(([p]) => p === k).map(([, i]) => i)
                expect(mine).toEqual([...mine].sort((a, b) => a - b)) // each consumer sees a producer's items in order
              }
            }
            const all = received.flat().map(([k, i]) => k * 1_000_000 + i).sort((a, b) => a - b)
            const expected = Array.from({ length: producers }, (_, k) => Array.from({ length: perProducer }, (_, i) => k * 1_000_000 + i)).flat()
            expect(all).toEqual(expected)
          }
        ),
        { numRuns: 4 }
      )
    ), 120_000)

  it.live("a consumer that stalls with items kept does not hand them to another that has taken items behind them", () =>
    Effect.promise(async () => {
      const q = new compat.Queue<number | null>()
      const count = 20_000
      for (let i = 0; i < count; i++) await q.put(i)
      const consumer = (stallAt: number) =>
        new compat.Process({
          target: async (q: compat.Queue<number | null>, stallAt: number) => {
            const got: Array<number> = []
            for (let item = await q.get(); item !== null; item = await q.get()) {
              got.push(item)
              if (got.length % stallAt === 0) { // a slow item, in the middle of a kept batch
                const until = Date.now() + 100
                while (Date.now() < until);
              }
            }
            return got
          },
          args: [q, stallAt]
        })
      const consumers = [consumer(300), consumer(1_000_000)]
      for (const child of consumers) child.start()
      for (const _ of consumers) await q.put(null)
      const received = (await Promise.all(consumers.map((child) => child.result()))) as Array<Array<number>>
      for (const child of consumers) {
        expect(await child.join()).toBe(0)
        child.close()
      }
      q.dispose()
      for (const got of received) expect(got.filter((item, at) => at > 0 && item < got[at - 1]!)).toEqual([])
      expect(received.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i))
    }), 60_000)

  it.live("a consumer that stops getting while it keeps items holds nobody up: it gives them back when it idles, or closes the queue", () =>
    Effect.promise(async () => {
      const q = new compat.Queue<number>()
      const count = 2_000
      for (let i = 0; i < count; i++) await q.put(i)
      const [here, there] = await compat.Pipe()
      const child = new compat.Process({
        target: async (q: compat.Queue<number>, conn: any) => {
          const got: Array<number> = []
          for (let i = 0; i < 100; i++) got.push(await q.get()) // quickly: it takes batches, and keeps the rest
          await conn.send("stopped")
          await conn.recv()
          for (let i = 0; i < 100; i++) got.push(await q.get())
          q.close()
          await conn.send("closed")
          await conn.recv()
          return got
        },
        args: [q, there]
      })
      child.start()
      there.close()
      expect(await here.recv()).toBe("stopped")
      // It gives what it keeps back once it idles (this process's gets wait for them meanwhile).
      while ((await q.qsize()) < count - 100) await new Promise((resolve) => setTimeout(resolve, 20))
      const rest: Array<number> = []
      for (let i = 0; i < 100; i++) rest.push(await q.get(true, 30))
      await here.send("go on")
      expect(await here.recv()).toBe("closed")
      // What it kept after its second run of gets comes back when it closes the queue, or idles.
      while (rest.length < count - 200) rest.push(await q.get(true, 30))
      await here.send("done")
      const got = (await child.result()) as Array<number>
      expect(await child.join()).toBe(0)
      child.close()
      here.close()
      q.dispose()
      expect(got.slice(0, 100)).toEqual(Array.from({ length: 100 }, (_, i) => i))
      expect(rest.slice(0, 100)).toEqual(Array.from({ length: 100 }, (_, i) => 100 + i))
      for (const seen of [got, rest]) expect(seen.filter((item, at) => at > 0 && item < seen[at - 1]!)).toEqual([])
      expect([...got, ...rest].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i))
    }), 60_000)

  it.live("a bounded queue holds its producer back: the owner never holds more than maxsize", () =>
    Effect.promise(async () => {
      const q = new compat.Queue<number>(2)
      const child = new compat.Process({
        target: async (q: compat.Queue<number>) => {
          for (let i = 0; i < 20; i++) await q.put(i)
        },
        args: [q]
      })
      child.start()
      const got: Array<number> = []
      let most = 0
      while (got.length < 20) {
        // The producer gets ahead, as far as it may (and no further): wait until it has.
        const deadline = Date.now() + 2000
        let size = await q.qsize()
        while (size < Math.min(2, 20 - got.length) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 2))
          size = await q.qsize()
        }
        await new Promise((resolve) => setTimeout(resolve, 2)) // a put past maxsize would show now
        most = Math.max(most, size, await q.qsize())
        got.push(await q.get(true, 5))
      }
      expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i))
      expect(most).toBe(2)
      await child.join()
      child.close()
      q.dispose()
    }))

  it.live("a child's timed put on a full queue fails with Full; a timed get on an empty one with Empty", () =>
    Effect.promise(async () => {
      const q = new compat.Queue<number>(1)
      await q.put(1)
      const child = new compat.Process({
        target: async (q: compat.Queue<number>) => {
          const outcome = async (f: () => Promise<unknown>) => f().then(() => "ok", (e: Error) => e.name)
          const full = await outcome(() => q.put(2, true, 0.05))
          const nowait = await outcome(() => q.putNowait(2))
          await q.get()
          const empty = await outcome(() => q.get(true, 0.05))
          return { full, nowait, empty }
        },
        args: [q]
      })
      child.start()
      expect(await child.result()).toEqual({ full: "Full", nowait: "Full", empty: "Empty" })
      await child.join()
      child.close()
      expect(await q.qsize()).toBe(0)
      q.dispose()
    }))

  it.live("JoinableQueue: workers in children mark every item done; join returns after the last", () =>
    Effect.promise(async () => {
      const q = new compat.JoinableQueue<number>()
      const done = new compat.Queue<number>()
      const workers = [1, 2].map(() =>
        new compat.Process({
          target: async (q: compat.JoinableQueue<number>, done: compat.Queue<number>) => {
            for (;;) {
              const item = await q.get()
              await new Promise((resolve) => setTimeout(resolve, 1))
              await done.put(item)
              await q.taskDone()
            }
          },
          args: [q, done],
          daemon: true
        })
      )
      for (const w of workers) w.start()
      for (let i = 0; i < 50; i++) await q.put(i)
      await q.join()
      expect(await done.qsize()).toBe(50) // every item's work came before its taskDone
      const seen: Array<number> = []
      for (let i = 0; i < 50; i++) seen.push(await done.get())
      expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i))
      for (const w of workers) {
        w.terminate()
        await w.join()
        w.close()
      }
      q.dispose()
      done.dispose()
    }))

  it.live("a child calling taskDone more times than items were put fails with ValueError", () =>
    Effect.promise(async () => {
      const q = new compat.JoinableQueue<number>()
      await q.put(1)
      const child = new compat.Process({
        target: async (q: compat.JoinableQueue<number>) => {
          await q.get()
          await q.taskDone()
          return q.taskDone().then(() => "no error", (e: Error) => `${e.name}: ${e.message}`)
        },
        args: [q]
      })
      child.start()
      expect(await child.result()).toBe("ValueError: task_done() called too many times")
      await child.join()
      child.close()
      await q.join()
      q.dispose()
    }))

  it.scopedLive("Effect face: a child's Sink ends the queue, another child's Stream gets every item and finishes", () =>
    Effect.gen(function*() {
      const q = yield* ProcessQueue.make()
      const consumer = yield* Effect.fork(Process.run({ target: tasks.drainStream, args: [q] }))
      yield* Process.run({ target: tasks.sinkRange, args: [q, 2000] })
      expect(yield* Fiber.join(consumer)).toEqual(Array.from({ length: 2000 }, (_, i) => i))
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.scopedLive("a Lock inside an item arrives as a proxy of the same lock", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make()
      const q = yield* ProcessQueue.make()
      yield* q.put({ lock, note: "take it" })
      const held = yield* Process.run({
        target: async (q: any) => {
          const { Effect } = await import("effect")
          return Effect.flatMap(q.get(), ({ lock }: any) => lock.acquire({ block: false }))
        },
        args: [q]
      })
      expect(held).toBe(true) // the child took it, and exited holding it: it is given back
      expect(yield* lock.acquire({ timeout: "10 seconds" })).toBe(true)
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.live("compat: a Connection, a Process or a Pool in an item rejects the put with SerializationError naming it; the queue goes on", () =>
    Effect.promise(async () => {
      const q = new compat.Queue<unknown>()
      const [end, otherEnd] = await compat.Pipe()
      const pool = new compat.Pool(1)
      const consumer = new compat.Process({ target: async (q: compat.Queue<unknown>) => q.get(), args: [q] })
      const refusal = (item: unknown) => q.put(item).then(() => "put", (error) => error)
      const connection = await refusal({ reply: end })
      expect(connection).toBeInstanceOf(compat.SerializationError)
      expect(connection.message).toContain("a Connection (at value.reply) is not data: it can only be handed to a child as an argument of a Process")
      expect((await refusal([consumer])).message).toContain("a Process (at value[0]) is not data: it is its parent's handle on the child process")
      expect((await refusal({ pool })).message).toContain("a Pool (at value.pool) is not data: as in Python, a pool cannot be passed between processes")
      expect((await refusal({ later: pool.applyAsync(() => 1) })).message).toContain("an AsyncResult (at value.later) is not data")
      await q.put("the only item")
      consumer.start()
      expect(await consumer.result()).toBe("the only item")
      await consumer.join()
      consumer.close()
      pool.terminate()
      await pool.join()
      end.close()
      otherEnd.close()
      q.dispose()
    }))

  it.live("when the queue's owner exits, a waiting get and later puts fail with OwnerGoneError", () =>
    Effect.promise(async () => {
      const [here, there] = await compat.Pipe()
      const owner = new compat.Process({ target: tasks.queueOwnerThatLeaves, args: [there] })
      owner.start()
      there.close()
      const { queue } = (await here.recv()) as { queue: compat.Queue<string> }
      expect(await queue.get()).toBe("first")
      const waiting = queue.get()
      await here.send("leave")
      const error = await waiting.then(() => undefined, (e) => e)
      expect(error).toBeInstanceOf(compat.OwnerGoneError)
      expect(error.message).toContain(`pid ${owner.pid}`)
      await expect(queue.put("late")).rejects.toBeInstanceOf(compat.OwnerGoneError)
      await owner.join()
      owner.close()
      here.close()
    }))

  it.live("compat: for await runs until the queue ends", () =>
    Effect.promise(async () => {
      const q = new compat.Queue<number>()
      const child = new compat.Process({
        target: async (q: compat.Queue<number>) => {
          for (let i = 0; i < 10; i++) await q.put(i)
          await q.end()
        },
        args: [q]
      })
      child.start()
      const got: Array<number> = []
      for await (const item of q) got.push(item)
      expect(got).toEqual(Array.from({ length: 10 }, (_, i) => i))
      await expect(q.put(10)).rejects.toBeInstanceOf(compat.ValueError)
      await child.join()
      child.close()
      q.dispose()
    }))
})

describe("SimpleQueue", () => {
  it.live("put, get, empty and close, across a child (compat face)", () =>
    Effect.promise(async () => {
      const q = new compat.SimpleQueue<string>()
      expect(await q.empty()).toBe(true)
      const child = new compat.Process({
        target: async (q: compat.SimpleQueue<string>) => {
          await q.put("from the child")
          q.close()
          return q.put("after close").then(() => "no error", (e: Error) => e.name)
        },
        args: [q]
      })
      child.start()
      expect(await child.result()).toBe("ValueError")
      expect(await q.get()).toBe("from the child")
      expect(await q.empty()).toBe(true)
      await child.join()
      child.close()
      q.dispose()
    }))

  it.scoped("Effect face: makeSimple is unbounded and FIFO", () =>
    Effect.gen(function*() {
      const q = yield* ProcessQueue.makeSimple()
      yield* Effect.forEach(Array.from({ length: 100 }, (_, i) => i), (i) => q.put(i))
      const got = yield* Effect.forEach(Array.from({ length: 100 }), () => q.get())
      expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i))
      expect(yield* q.empty).toBe(true)
    }))
})

describe("Queue over a Connection", () => {
  it.scopedLive("a queue sent over a Pipe arrives as a proxy the child can put to", () =>
    Effect.gen(function*() {
      const q = yield* ProcessQueue.make()
      const [here, there] = yield* Pipe.make()
      yield* Process.start({
        target: async (conn: any) => {
          const { Effect } = await import("effect")
          return Effect.flatMap(conn.recv, (message: any) => message.queue.put("through the pipe"))
        },
        args: [there]
      })
      yield* here.send({ queue: q })
      expect(yield* q.get({ timeout: "10 seconds" })).toBe("through the pipe")
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))
})
