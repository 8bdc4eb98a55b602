/**
 * Timed waits in both faces (docs/coming-from-python.md, "Timed waits"): in the Effect face a wait
 * whose timeout runs out fails with TimeoutError, caught by tag; `block: false` keeps its answer;
 * the compat face answers as Python does (false, null, Empty, Full, BrokenBarrierError).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc, Fiber } from "effect"
import { Barrier, Condition, Connection, Event, Lock, NodeMultiprocessing, Pipe, Process, ProcessQueue, Semaphore } from "effect-multiprocessing"
import * as compat from "effect-multiprocessing/compat"

const TIMED_OUT = "TimeoutError caught by its tag"

/** What `wait` gave: "in time", or the tag it failed with (TimeoutError caught by its tag). */
const outcome = <R>(wait: Effect.Effect<unknown, { readonly _tag: string }, R>): Effect.Effect<string, never, R> =>
  wait.pipe(
    Effect.as("in time"),
    Effect.catchTag("TimeoutError", () => Effect.succeed(TIMED_OUT)),
    Effect.catchAll((error) => Effect.succeed(error._tag))
  )

describe("Effect face: a timeout that runs out fails with TimeoutError", () => {
  it.scopedLive.prop(
    "any timeout, zero and negative too: a taken Lock or Semaphore, an unset Event, an un-notified Condition",
    [fc.integer({ min: -5, max: 20 })],
    ([millis]) =>
      Effect.gen(function*() {
        const lock = yield* Lock.make()
        yield* lock.acquire()
        expect(yield* outcome(lock.acquire({ timeout: millis }))).toBe(TIMED_OUT)
        expect(yield* lock.acquire({ block: false })).toBe(false)
        const semaphore = yield* Semaphore.make(0)
        expect(yield* outcome(semaphore.acquire({ timeout: millis }))).toBe(TIMED_OUT)
        const event = yield* Event.make()
        expect(yield* outcome(event.wait(millis))).toBe(TIMED_OUT)
        yield* event.set
        expect(yield* outcome(event.wait(millis))).toBe("in time")
        const condition = yield* Condition.make()
        expect(yield* outcome(condition.withLock(condition.wait(millis)))).toBe(TIMED_OUT)
        expect(yield* outcome(condition.withLock(condition.waitFor(Effect.succeed(false), millis)))).toBe(TIMED_OUT)
        expect(yield* outcome(condition.withLock(condition.waitFor(Effect.succeed(true), millis)))).toBe("in time")
        // The Condition's lock is taken back after a wait that ran out, and released by withLock: free.
        expect(yield* condition.lock.getValue).toBe(1)
      }),
    { fastCheck: { numRuns: 5 } }
  )

  it.scopedLive("a queue's get and put (Empty and Full only with block: false), a Barrier's wait (the others: BrokenBarrierError)", () =>
    Effect.gen(function*() {
      const queue = yield* ProcessQueue.make<number>({ maxsize: 1 })
      expect(yield* outcome(queue.get({ timeout: "20 millis" }))).toBe(TIMED_OUT)
      expect(yield* outcome(queue.get({ block: false }))).toBe("Empty")
      yield* queue.put(1)
      expect(yield* outcome(queue.put(2, { timeout: "20 millis" }))).toBe(TIMED_OUT)
      expect(yield* outcome(queue.put(2, { block: false }))).toBe("Full")
      expect(yield* queue.get({ timeout: "1 second" })).toBe(1)

      const barrier = yield* Barrier.make(3)
      const other = yield* Effect.fork(outcome(barrier.wait()))
      yield* Effect.repeat(barrier.nWaiting, { until: (n) => n === 1 })
      expect(yield* outcome(barrier.wait("20 millis"))).toBe(TIMED_OUT)
      expect(yield* Fiber.join(other)).toBe("BrokenBarrierError")
      expect(yield* barrier.broken).toBe(true)
    }))

  it.scopedLive("Process.join: TimeoutError while the child runs, its exit code after; a proxy's timed waits in a child too", () =>
    Effect.gen(function*() {
      const event = yield* Event.make()
      const lock = yield* Lock.make()
      yield* lock.acquire()
      const child = yield* Process.start({
        target: async (event: Event.Event, lock: Lock.Lock) => {
          const { Effect } = await import("effect")
          const tag = (wait: Effect.Effect<unknown, { readonly _tag: string }>) =>
            wait.pipe(Effect.as("in time"), Effect.catchTag("TimeoutError", () => Effect.succeed("TimeoutError")), Effect.catchAll((error) => Effect.succeed(error._tag)))
          return Effect.all([tag(lock.acquire({ timeout: "20 millis" })), tag(event.wait("30 seconds"))])
        },
        args: [event, lock]
      })
      expect(yield* outcome(child.join("20 millis"))).toBe(TIMED_OUT)
      yield* event.set
      expect(yield* child.join()).toBe(0)
      expect(yield* child.result).toEqual(["TimeoutError", "in time"])
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.scopedLive("Connection.poll and Connection.wait keep their answers: false and [] are answers, not failures", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Pipe.make()
      expect(yield* b.poll("20 millis")).toBe(false)
      expect(yield* Connection.wait([b], "20 millis")).toEqual([])
      yield* a.send("now")
      expect(yield* b.poll("1 second")).toBe(true)
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))
})

describe("compat face: Python's answers", () => {
  it.live("acquire and acquireSync false, Event and Condition wait false, Barrier BrokenBarrierError, Queue Empty and Full, join null", () =>
    Effect.promise(async () => {
      const lock = new compat.Lock()
      expect(await lock.acquire()).toBe(true)
      expect(await lock.acquire(true, 0.02)).toBe(false)
      expect(await lock.acquire({ timeout: 0 })).toBe(false)
      expect(await lock.acquire(false)).toBe(false)
      const semaphore = new compat.Semaphore(0)
      expect(await semaphore.acquire(true, 0.02)).toBe(false)
      const event = new compat.Event()
      expect(await event.wait(0.02)).toBe(false)
      await event.set()
      expect(await event.wait(0.02)).toBe(true)
      const condition = new compat.Condition()
      expect(await condition.withLock(() => condition.wait(0.02))).toBe(false)
      expect(await condition.withLock(() => condition.waitFor(() => false, 0.02))).toBe(false)
      expect(await condition.withLock(() => condition.waitFor(() => true, 0.02))).toBe(true)
      const barrier = new compat.Barrier(2)
      await expect(barrier.wait(0.02)).rejects.toBeInstanceOf(compat.BrokenBarrierError)
      const queue = new compat.Queue<number>(1)
      await expect(queue.get(true, 0.02)).rejects.toBeInstanceOf(compat.Empty)
      await queue.put(1)
      await expect(queue.put(2, true, 0.02)).rejects.toBeInstanceOf(compat.Full)
      await expect(queue.put(2, { timeout: 0.02 })).rejects.toBeInstanceOf(compat.Full)
      const child = new compat.Process({ target: () => new Promise((resolve) => setTimeout(resolve, 300)) })
      child.start()
      expect(await child.join(0.02)).toBeNull()
      expect(await child.join()).toBe(0)
      child.close()
      for (const made of [lock, semaphore, event, condition, barrier, queue]) made.close()
    }))

  it.live("acquireSync (shared memory only): false once its timeout runs out", () =>
    Effect.promise(async () => {
      const lock = new compat.Lock()
      try {
        lock.acquireSync()
      } catch (error) {
        // Served over a socket (the addon absent): no blocking forms, as documented.
        expect(error).toBeInstanceOf(compat.SyncUnsupportedError)
        lock.close()
        return
      }
      expect(lock.acquireSync(true, 0.02)).toBe(false)
      expect(lock.acquireSync(false)).toBe(false)
      lock.releaseSync()
      lock.close()
    }))
})
