/** Condition (src/Condition.ts): wait and notify in the owner and across processes, interruption, a waiter dying. */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { Condition, Lock, NodeMultiprocessing, Process } from "effect-multiprocessing"
import * as compat from "effect-multiprocessing/compat"

describe("Condition in the owner (Effect face)", () => {
  it.scopedLive("Condition: wait needs the lock, releases it while waiting, takes it back; notify(n) and notifyAll wake as many", () =>
    Effect.gen(function*() {
      const cond = yield* Condition.make()
      expect((yield* cond.wait().pipe(Effect.flip))._tag).toBe("NotOwnerError")
      expect((yield* cond.notify().pipe(Effect.flip))._tag).toBe("NotOwnerError")
      let woken = 0
      // Each waiter is an owner of its own, as each would be a thread in Python.
      const waiter = Lock.asOwner(cond.withLock(Effect.tap(cond.wait("5 seconds"), () => Effect.sync(() => woken++))))
      const waiters = yield* Effect.forEach([1, 2, 3], () => Effect.fork(waiter))
      yield* Effect.sleep("50 millis")
      yield* cond.withLock(cond.notify(2))
      yield* Effect.sleep("50 millis")
      expect(woken).toBe(2)
      yield* cond.withLock(cond.notifyAll)
      yield* Effect.forEach(waiters, Fiber.join)
      expect(woken).toBe(3)
      expect(yield* cond.withLock(cond.wait("20 millis")).pipe(Effect.flip)).toMatchObject({ _tag: "TimeoutError" })
      let ready = false
      yield* Effect.fork(Effect.zipRight(Effect.sleep("30 millis"), cond.withLock(Effect.zipRight(Effect.sync(() => (ready = true)), cond.notifyAll))))
      yield* cond.withLock(cond.waitFor(Effect.sync(() => ready), "5 seconds"))
      expect(ready).toBe(true)
      expect(yield* cond.withLock(cond.waitFor(Effect.succeed(false), "30 millis")).pipe(Effect.flip)).toMatchObject({ _tag: "TimeoutError" })
    }))
})

describe("across processes", () => {
  it.scopedLive("Condition across processes (compat face): notify(1) wakes one waiting process, notifyAll the rest", () =>
    Effect.gen(function*() {
      const cond = new compat.Condition()
      const waiting = new compat.Semaphore(0)
      // Changed under the condition's lock before each notify: what a woken child reads there
      // says which notify woke it, with no timing involved.
      const phase = compat.Value("i", 0)
      const children = [1, 2, 3].map(() => {
        const child = new compat.Process({
          target: async (cond: any, waiting: any, phase: any) => {
            await cond.acquire()
            await waiting.release()
            const notified = await cond.wait(60)
            const woken = await phase.get()
            await cond.release()
            return { notified, woken }
          },
          args: [cond, waiting, phase]
        })
        child.start()
        return child.result() as Promise<{ notified: boolean; woken: number }>
      })
      // Each child signals under the lock and then waits, releasing it: once we hold the lock
      // after three signals, all three are waiting.
      for (let i = 0; i < 3; i++) yield* Effect.promise(() => waiting.acquire())
      yield* Effect.promise(() => cond.withLock(async () => (await phase.set(1), cond.notify(1))))
      // The child it woke has read the phase and returned before the phase changes again.
      yield* Effect.promise(() => Promise.race(children))
      yield* Effect.promise(() => cond.withLock(async () => (await phase.set(2), cond.notifyAll())))
      const outcomes = yield* Effect.promise(() => Promise.all(children))
      expect(outcomes.map((o) => o.notified)).toEqual([true, true, true])
      expect(outcomes.map((o) => o.woken).sort()).toEqual([1, 2, 2])
      cond.close()
      waiting.close()
      phase.close()
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))
})

describe("interruption and cancellation", () => {
  it.scopedLive("a child's Condition wait that is interrupted takes the lock back before its withLock releases it", () =>
    Effect.gen(function*() {
      const cond = yield* Condition.make()
      const outcome = yield* Process.run({
        target: async (cond: any) => {
          const { Effect } = await import("effect")
          return Effect.map(Effect.flip(cond.withLock(Effect.timeout(cond.wait(), "100 millis"))), (e: any) => e._tag)
        },
        args: [cond]
      })
      expect(outcome).toBe("TimeoutException")
      expect(yield* cond.acquire({ block: false })).toBe(true)
      yield* cond.release
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.live("a child that dies while waiting on a Condition does not leave its lock held", () =>
    Effect.promise(async () => {
      const cond = new compat.Condition()
      const child = new compat.Process({
        target: async (cond: any) => {
          await cond.acquire()
          await cond.wait()
        },
        args: [cond]
      })
      child.start()
      // Once the child waits, the lock is free again; then the child is killed mid-wait.
      for (let i = 0; i < 100 && !(await cond.acquire(true, 0.05).then(async (ok) => ok && (await cond.release(), true))); i++);
      await new Promise((resolve) => setTimeout(resolve, 100))
      child.kill()
      await child.join()
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(await cond.acquire(true, 2)).toBe(true)
      await cond.release()
      child.close()
      cond.close()
    }))
})
