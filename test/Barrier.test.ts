/** Barrier (src/Barrier.ts): generations, breaking and mending, an action that fails, across processes. */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Option } from "effect"
import { Barrier, NodeMultiprocessing, Process, ValueError } from "effect-multiprocessing"
import * as compat from "effect-multiprocessing/compat"

describe("Barrier in the owner (Effect face)", () => {
  it.scopedLive("Barrier: distinct indices, the action once per generation, timeout and abort break it, reset mends it", () =>
    Effect.gen(function*() {
      let actions = 0
      const barrier = yield* Barrier.make(3, { action: Effect.sync(() => actions++) })
      for (let generation = 1; generation <= 3; generation++) {
        const indices = yield* Effect.all([barrier.wait(), barrier.wait(), barrier.wait()], { concurrency: "unbounded" })
        expect([...indices].sort()).toEqual([0, 1, 2])
        expect(actions).toBe(generation)
      }
      const late = yield* Effect.fork(barrier.wait())
      yield* Effect.sleep("20 millis")
      expect(yield* barrier.nWaiting).toBe(1)
      expect((yield* barrier.wait("30 millis").pipe(Effect.flip))._tag).toBe("TimeoutError")
      expect((yield* Fiber.join(late).pipe(Effect.flip))._tag).toBe("BrokenBarrierError")
      expect(yield* barrier.broken).toBe(true)
      yield* barrier.reset
      expect(yield* barrier.broken).toBe(false)
      const aborted = yield* Effect.fork(barrier.wait())
      yield* Effect.sleep("20 millis")
      yield* barrier.abort
      expect((yield* Fiber.join(aborted).pipe(Effect.flip))._tag).toBe("BrokenBarrierError")
      expect((yield* Barrier.make(0).pipe(Effect.flip))._tag).toBe("ValueError")
    }))
})

describe("across processes", () => {
  it.scopedLive("a Barrier over many passes: every generation hands out 0, 1 and 2 to three processes", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(3)
      const runs = yield* Effect.all([1, 2, 3].map(() =>
        Process.run({
          target: async (barrier: any, passes: number) => {
            const { Effect } = await import("effect")
            return Effect.forEach(Array.from({ length: passes }), () => barrier.wait("10 seconds"))
          },
          args: [barrier, 25]
        })
      ), { concurrency: "unbounded" })
      for (let pass = 0; pass < 25; pass++) {
        expect(runs.map((indices) => (indices as unknown as Array<number>)[pass]).sort()).toEqual([0, 1, 2])
      }
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))
})

describe("interruption and cancellation", () => {
  it.scopedLive("a Barrier party that leaves breaks it for the others", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(3)
      const staying = yield* Effect.fork(barrier.wait())
      const leaving = yield* Effect.fork(barrier.wait())
      yield* Effect.sleep("20 millis")
      yield* Fiber.interrupt(leaving)
      expect((yield* Fiber.join(staying).pipe(Effect.flip))._tag).toBe("BrokenBarrierError")
      expect(yield* barrier.broken).toBe(true)
    }))
})

describe("Barrier generations", () => {
  it.scopedLive("a party arriving while the action runs waits for the next generation", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(2, { action: Effect.sleep("100 millis") })
      const first = yield* Effect.fork(Effect.all([barrier.wait(), barrier.wait()], { concurrency: "unbounded" }))
      yield* Effect.sleep("30 millis") // the action is running now
      const late = yield* Effect.fork(barrier.wait())
      expect([...(yield* Fiber.join(first))].sort()).toEqual([0, 1])
      yield* Effect.sleep("30 millis")
      expect(Option.isNone(yield* Fiber.poll(late))).toBe(true) // not released with the first generation
      expect(yield* barrier.nWaiting).toBe(1)
      const partner = yield* barrier.wait()
      expect([yield* Fiber.join(late), partner].sort()).toEqual([0, 1])
    }))
})

describe("a Barrier whose action fails", () => {
  /** Waits until `n` parties wait at `barrier` (so that who arrives last is known). */
  const untilWaiting = async (barrier: compat.Barrier, n: number) => {
    for (let i = 0; i < 2000 && (await barrier.nWaiting()) < n; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(await barrier.nWaiting()).toBe(n)
  }
  const outcomeOf = (work: Promise<unknown>) =>
    work.then((index) => ({ index }), (error: any) => ({ error: error?._tag ?? error?.name, type: error?.type, message: error?.message }))
  const childParty = (barrier: compat.Barrier) => {
    const child = new compat.Process({
      target: async (barrier: any) =>
        barrier.wait(20).then((index: number) => ({ index }), (error: any) => ({ error: error?._tag ?? error?.name, type: error?.type, message: error?.message })),
      args: [barrier]
    })
    child.start()
    return child
  }

  it.live("compat: the party that ran it gets what it threw, as itself in the owner; every other party BrokenBarrierError", () =>
    Effect.promise(async () => {
      const thrown = new Error("the action failed")
      const barrier = new compat.Barrier(3, { action: () => { throw thrown } })
      const children = [childParty(barrier), childParty(barrier)]
      await untilWaiting(barrier, 2)
      const ownCatch = await barrier.wait(20).catch((error) => error)
      expect(ownCatch).toBe(thrown)
      for (const child of children) {
        expect(await child.result()).toMatchObject({ error: "BrokenBarrierError" })
        child.close()
      }
      expect(await barrier.broken()).toBe(true)
      barrier.close()
    }))

  it.live("compat: a child whose arrival ran it gets the action's error (the library's as itself, others named in a RemoteError); the rest BrokenBarrierError", () =>
    Effect.promise(async () => {
      for (const [action, expected] of [
        [() => { throw new compat.ValueError({ message: "the action refused" }) }, { error: "ValueError", message: "the action refused" }],
        [() => { class ActionFailed extends Error { override name = "ActionFailed" } throw new ActionFailed("the action failed") },
          { error: "RemoteError", type: "ActionFailed", message: "the action failed" }]
      ] as const) {
        const barrier = new compat.Barrier(3, { action })
        // A hang guard only: at load 20+ the two children took over 20 s to arrive, and a timed-out wait breaks the barrier.
        const own = outcomeOf(barrier.wait(55))
        const first = childParty(barrier)
        await untilWaiting(barrier, 2)
        const last = childParty(barrier)
        expect(await last.result()).toEqual(expected)
        expect(await first.result()).toMatchObject({ error: "BrokenBarrierError" })
        expect(await own).toMatchObject({ error: "BrokenBarrierError" })
        first.close()
        last.close()
        barrier.close()
      }
    }))

  it.scopedLive("Effect face: the last party fails with the action's failure, in the owner and in a child; the others with BrokenBarrierError", () =>
    Effect.gen(function*() {
      const refused = new ValueError({ message: "the action refused" })
      const barrier = yield* Barrier.make(2, { action: Effect.fail(refused) })
      const first = yield* Effect.fork(Effect.flip(barrier.wait()))
      yield* Effect.repeat(barrier.nWaiting, { until: (n) => n === 1 })
      expect(yield* Effect.flip(barrier.wait())).toBe(refused)
      expect((yield* Fiber.join(first))._tag).toBe("BrokenBarrierError")

      yield* barrier.reset
      const own = yield* Effect.fork(Effect.flip(barrier.wait()))
      yield* Effect.repeat(barrier.nWaiting, { until: (n) => n === 1 })
      const inChild = yield* Process.run({
        target: async (barrier: any) => {
          const { Effect } = await import("effect")
          return Effect.map(Effect.flip(barrier.wait()), (error: any) => ({ tag: error._tag, message: error.message }))
        },
        args: [barrier]
      })
      expect(inChild).toEqual({ tag: "ValueError", message: "the action refused" })
      expect((yield* Fiber.join(own))._tag).toBe("BrokenBarrierError")
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))
})
