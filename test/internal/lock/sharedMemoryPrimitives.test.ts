/**
 * The shared-memory backend of Lock, RLock, Semaphore and Value (src/internal/lock/sharedMemoryLock.ts, sharedMutex.ts, sharedSemaphore.ts; src/internal/sharedValue/sharedMemoryValue.ts) under load:
 * exact counts across processes, hand-overs that must not lose a wake-up, and a holder killed
 * while it holds. Runs in the "core" project, where the native addon is built (CI requires it).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import { Lock, NodeMultiprocessing, Process, Semaphore, SharedValue } from "effect-multiprocessing"
import * as compat from "effect-multiprocessing/compat"
import { primitives } from "../../support/backend.js"

const layer = NodeMultiprocessing.layer

describe("shared-memory primitives", () => {
  it("are the active backend where the addon is built", () => {
    expect(primitives).toBe("shared-memory")
  })

  // Through the blocking forms (seconds), as a hot loop would be written; the Effect forms' increments
  // (a fiber's steps each: a minute for 1 M on a loaded machine) are counted by SharedValue's tests.
  it.scopedLive("1 M increments of a Value by 4 processes under its lock add up exactly", () =>
    Effect.gen(function*() {
      const value = yield* SharedValue.makeValue("i", 0)
      const perChild = 250_000
      const counts = yield* Effect.all(
        [0, 1, 2, 3].map(() =>
          Process.run({
            target: (value: any, n: number) => {
              for (let i = 0; i < n; i++) value.withLockSync(() => value.setSync(value.getSync() + 1))
              return n
            },
            args: [value, perChild]
          })
        ),
        { concurrency: "unbounded" }
      )
      expect(counts).toEqual([perChild, perChild, perChild, perChild])
      expect(yield* value.get).toBe(4 * perChild)
    }).pipe(Effect.provide(layer)))

  it.live.prop(
    "thousands of contended hand-overs between 2 to 4 processes with random delays finish and count exactly",
    [fc.integer({ min: 2, max: 4 }), fc.integer({ min: 0, max: 2 ** 31 - 1 })],
    ([processes, seed]) =>
      Effect.promise(async () => {
        // A RawValue read and written in two steps: only the lock keeps the count exact.
        const lock = new compat.Lock()
        const counter = compat.RawValue("i", 0)
        const rounds = Math.ceil(3000 / processes)
        const children = Array.from({ length: processes }, (_, k) =>
          new compat.Process({
            target: async (lock: any, counter: any, rounds: number, seed: number) => {
              let state = seed || 1
              const random = () => ((state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
              for (let i = 0; i < rounds; i++) {
                await lock.acquire()
                const n = await counter.get()
                const pause = random()
                if (pause < 0.05) await new Promise((resolve) => setTimeout(resolve, 1)) // sleeps holding it: others go to sleep too
                else for (const until = performance.now() + pause * 0.02; performance.now() < until;); // a few µs
                await counter.set(n + 1)
                await lock.release()
                if (random() < 0.1) await new Promise((resolve) => setImmediate(resolve))
              }
              return rounds
            },
            args: [lock, counter, rounds, seed + k]
          })
        )
        children.forEach((child) => child.start())
        for (const child of children) {
          expect(await child.join()).toBe(0)
          child.close()
        }
        expect(await counter.get()).toBe(rounds * processes)
        expect(await lock.getValue()).toBe(1)
        lock.close()
        counter.close()
      }),
    { fastCheck: { numRuns: 3 } }
  )

  it.scopedLive("2000 ping-pongs over two Semaphores between two processes lose no wake-up", () =>
    Effect.gen(function*() {
      const ping = yield* Semaphore.make(0)
      const pong = yield* Semaphore.make(0)
      const rounds = 2000
      const player = (take: Semaphore.Semaphore, give: Semaphore.Semaphore, first: boolean) =>
        Process.run({
          target: async (take: any, give: any, rounds: number, first: boolean) => {
            const { Effect } = await import("effect")
            return Effect.gen(function*() {
              for (let i = 0; i < rounds; i++) {
                if (first) yield* give.release
                yield* take.acquire()
                if (!first) yield* give.release
              }
              return rounds
            })
          },
          args: [take, give, rounds, first]
        })
      const done = yield* Effect.all([player(pong, ping, true), player(ping, pong, false)], { concurrency: "unbounded" })
      expect(done).toEqual([rounds, rounds])
      expect([yield* ping.getValue, yield* pong.getValue]).toEqual([0, 0])
    }).pipe(Effect.provide(layer)))

  it.scopedLive("a holder killed with SIGKILL while it holds a Lock or an RLock: its waiters take them over, nothing deadlocks", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make()
      const rlock = yield* Lock.makeRLock()
      const killed = yield* Process.run({
        target: async (lock: any, rlock: any) => {
          const { Effect } = await import("effect")
          return Effect.gen(function*() {
            yield* lock.acquire()
            yield* rlock.acquire()
            yield* rlock.acquire()
            process.kill(process.pid, "SIGKILL")
          })
        },
        args: [lock, rlock]
      }).pipe(Effect.flip)
      expect(killed).toMatchObject({ exitCode: -9 })
      expect([yield* lock.getValue, yield* rlock.getValue]).toEqual([0, 0]) // still held by the dead
      // A waiter in another process and one here: exactly one takes each over at a time.
      const other = Process.run({
        target: async (lock: any) => {
          const { Effect } = await import("effect")
          return Effect.flatMap(lock.acquire({ timeout: "20 seconds" }), (taken) => Effect.as(lock.release, taken))
        },
        args: [lock]
      })
      const here = Effect.flatMap(lock.acquire({ timeout: "20 seconds" }), (taken) => Effect.as(lock.release, taken))
      expect(yield* Effect.all([other, here], { concurrency: "unbounded" })).toEqual([true, true])
      expect(yield* rlock.acquire({ timeout: "20 seconds" })).toBe(true)
      yield* rlock.release
      expect([yield* lock.getValue, yield* rlock.getValue]).toEqual([1, 1])
    }).pipe(Effect.provide(layer)))
})
