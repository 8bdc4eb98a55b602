/**
 * Event, Condition and Barrier in shared memory (src/internal/sync/sharedMemoryEvent.ts,
 * sharedMemoryCondition.ts, sharedMemoryBarrier.ts) under load: thousands of hand-overs between
 * processes that must lose no wake-up and count exactly, and a process killed while others wait.
 * Runs in the "core" project, where the native addon is built (CI requires it).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, FastCheck as fc, Fiber, Schedule } from "effect"
import { Barrier, Condition, Event, Lock, NodeMultiprocessing, Process } from "effect-multiprocessing"
import * as compat from "effect-multiprocessing/compat"
import { primitives } from "../../support/backend.js"

const layer = NodeMultiprocessing.layer

// A hang guard for the property tests, not a measure: three runs, each starting up to four children
// and passing thousands of hand-overs, took over a minute on a 2-core machine loaded twentyfold.
const hangGuard = 240_000
const kindOf = (u: unknown) => (u as Record<symbol, { reference(): { kind: string } }>)[Symbol.for("effect-multiprocessing/Primitive")].reference().kind

/** A pseudo-random pause for a child, from its seed: mostly none, sometimes a few µs of work, now and then a timer. */
const pauses = `(seed) => {
  let state = seed || 1
  const random = () => ((state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
  return async () => {
    const r = random()
    if (r < 0.03) await new Promise((resolve) => setTimeout(resolve, 1))
    else if (r < 0.1) await new Promise((resolve) => setImmediate(resolve))
    else if (r < 0.4) for (const until = performance.now() + r * 0.02; performance.now() < until;);
  }
}`

describe("Event, Condition and Barrier in shared memory", () => {
  it.scoped("live in shared memory where the addon is built", () =>
    Effect.gen(function*() {
      expect(primitives).toBe("shared-memory")
      expect(kindOf(yield* Event.make())).toBe("shm:Event")
      expect(kindOf(yield* Condition.make())).toMatch(/^shm:Condition:RLock:shm:/)
      expect(kindOf(yield* Barrier.make(3))).toBe("shm:Barrier:3")
    }))

  it.live.prop(
    "a token passed round a ring of 2 to 4 processes by Events, with random delays, thousands of times: no wake-up lost, the count exact",
    [fc.integer({ min: 2, max: 4 }), fc.integer({ min: 0, max: 2 ** 31 - 1 })],
    ([processes, seed]) =>
      Effect.promise(async () => {
        const events = Array.from({ length: processes }, () => new compat.Event())
        const counter = compat.RawValue("i", 0)
        const rounds = Math.ceil(2000 / processes)
        const children = events.map((mine, k) =>
          new compat.Process({
            target: async (mine: any, next: any, counter: any, rounds: number, pauses: string, seed: number) => {
              const pause = eval(pauses)(seed)
              for (let i = 0; i < rounds; i++) {
                await mine.wait()
                await mine.clear()
                // Only the token's holder touches the counter: a lost or doubled hand-over shows in the count.
                await counter.set((await counter.get()) + 1)
                await pause()
                await next.set()
              }
              return rounds
            },
            args: [mine, events[(k + 1) % processes], counter, rounds, pauses, seed + k]
          })
        )
        children.forEach((child) => child.start())
        await events[0].set()
        for (const child of children) {
          expect(await child.join()).toBe(0)
          child.close()
        }
        expect(await counter.get()).toBe(rounds * processes)
        expect(await events[0].isSet()).toBe(true) // the last hand-over, back to the first
        events.forEach((event) => event.close())
        counter.close()
      }),
    { fastCheck: { numRuns: 2 }, timeout: hangGuard }
  )

  it.live.prop(
    "turns taken under a Condition by 2 to 4 processes (waitFor, notify or notifyAll), with random delays: every turn taken, in order",
    [fc.integer({ min: 2, max: 4 }), fc.boolean(), fc.integer({ min: 0, max: 2 ** 31 - 1 })],
    ([processes, notifyAll, seed]) =>
      Effect.promise(async () => {
        const cond = new compat.Condition()
        const turn = compat.RawValue("i", 0)
        const rounds = Math.ceil(1500 / processes)
        const children = Array.from({ length: processes }, (_, k) =>
          new compat.Process({
            target: async (cond: any, turn: any, k: number, n: number, rounds: number, notifyAll: boolean, pauses: string, seed: number) => {
              const pause = eval(pauses)(seed)
              for (let i = 0; i < rounds; i++) {
                await cond.acquire()
                await cond.waitFor(async () => (await turn.get()) % n === k)
                await turn.set((await turn.get()) + 1)
                // notify(1) may wake a process whose turn it is not: it passes the wake-up on, which must never be lost.
                if (notifyAll) await cond.notifyAll()
                else await cond.notify(n - 1)
                await cond.release()
                await pause()
              }
              return rounds
            },
            args: [cond, turn, k, processes, rounds, notifyAll, pauses, seed + k]
          })
        )
        children.forEach((child) => child.start())
        for (const child of children) {
          expect(await child.join()).toBe(0)
          child.close()
        }
        expect(await turn.get()).toBe(rounds * processes)
        cond.close()
        turn.close()
      }),
    { fastCheck: { numRuns: 2 }, timeout: hangGuard }
  )

  it.live.prop(
    "a Barrier passed hundreds of times by 2 to 4 processes with random delays: each pass hands out every index once",
    [fc.integer({ min: 2, max: 4 }), fc.integer({ min: 0, max: 2 ** 31 - 1 })],
    ([processes, seed]) =>
      Effect.promise(async () => {
        const barrier = new compat.Barrier(processes)
        const passes = 300
        const children = Array.from({ length: processes }, (_, k) =>
          new compat.Process({
            target: async (barrier: any, passes: number, pauses: string, seed: number) => {
              const pause = eval(pauses)(seed)
              const indices: Array<number> = []
              for (let i = 0; i < passes; i++) {
                await pause()
                indices.push(await barrier.wait())
              }
              return indices
            },
            args: [barrier, passes, pauses, seed + k]
          })
        )
        children.forEach((child) => child.start())
        const results = await Promise.all(children.map((child) => child.result() as Promise<Array<number>>))
        for (let pass = 0; pass < passes; pass++) {
          expect(results.map((indices) => indices[pass]).sort()).toEqual(Array.from({ length: processes }, (_, i) => i))
        }
        expect(await barrier.nWaiting()).toBe(0)
        children.forEach((child) => child.close())
        barrier.close()
      }),
    { fastCheck: { numRuns: 2 }, timeout: hangGuard }
  )

  it.scopedLive("a Barrier party killed with SIGKILL while it waits breaks the barrier: the others fail with BrokenBarrierError, even without a timeout", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(3)
      const killed = yield* Process.start({
        target: (barrier: any) => barrier.wait(),
        args: [barrier]
      })
      yield* Effect.repeat(barrier.nWaiting, { until: (n) => n === 1, schedule: Schedule.spaced("10 millis") })
      const here = yield* Effect.fork(Effect.flip(barrier.wait()))
      yield* Effect.repeat(barrier.nWaiting, { until: (n) => n === 2, schedule: Schedule.spaced("10 millis") })
      process.kill(killed.pid!, "SIGKILL")
      expect(yield* killed.join()).toBe(-9)
      expect((yield* Fiber.join(here))._tag).toBe("BrokenBarrierError")
      expect(yield* barrier.broken).toBe(true)
      yield* barrier.reset
      const [a, b, c] = yield* Effect.all([barrier.wait(), barrier.wait(), barrier.wait()], { concurrency: "unbounded" })
      expect([a, b, c].sort()).toEqual([0, 1, 2])
    }).pipe(Effect.provide(layer)))

  it.scopedLive("a Condition waiter killed with SIGKILL: notify(1) wakes a live waiter instead", () =>
    Effect.gen(function*() {
      const cond = yield* Condition.make()
      const ready = yield* Event.make()
      const killed = yield* Process.start({
        target: async (cond: any, ready: any) => {
          const { Effect } = await import("effect")
          return cond.withLock(Effect.zipRight(ready.set, cond.wait()))
        },
        args: [cond, ready]
      })
      yield* ready.wait("30 seconds")
      // The child set it holding the lock: once the lock is ours, its wait has released it, queued.
      yield* cond.withLock(Effect.void)
      process.kill(killed.pid!, "SIGKILL")
      expect(yield* killed.join()).toBe(-9)
      const liveReady = yield* Event.make()
      const live = yield* Effect.fork(Lock.asOwner(cond.withLock(Effect.zipRight(liveReady.set, cond.wait("30 seconds")))))
      yield* liveReady.wait()
      yield* cond.withLock(cond.notify(1)) // the dead child came first: skipped
      expect(Exit.isSuccess(yield* Fiber.await(live))).toBe(true)
    }).pipe(Effect.provide(layer)))
})
