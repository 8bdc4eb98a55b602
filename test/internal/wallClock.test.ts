/** The library's waits run on the wall clock (src/internal/wallClock.ts), whatever Clock the fiber has. */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Barrier, Condition, Event, Lock, NodeMultiprocessing, Pipe, Process, ProcessQueue } from "effect-multiprocessing"

describe("the library's waits count wall time, whatever the fiber's Clock", () => {
  // it.scoped runs under TestClock, which moves only when the test moves it: these timeouts fire all the same.
  it.scoped("under TestClock: timeouts of a queue get, a process join, a lock acquire, a Condition, Event and Barrier wait and a poll fire", () =>
    Effect.gen(function*() {
      const queue = yield* ProcessQueue.make()
      expect((yield* Effect.flip(queue.get({ timeout: "100 millis" })))._tag).toBe("TimeoutError")

      const lock = yield* Lock.make()
      yield* lock.acquire()
      expect((yield* Effect.flip(Lock.asOwner(lock.acquire({ timeout: "100 millis" }))))._tag).toBe("TimeoutError")
      const cond = yield* Condition.make()
      expect((yield* Effect.flip(cond.withLock(cond.wait("100 millis"))))._tag).toBe("TimeoutError")
      const event = yield* Event.make()
      expect((yield* Effect.flip(event.wait("100 millis")))._tag).toBe("TimeoutError")
      const barrier = yield* Barrier.make(2)
      expect((yield* Effect.flip(barrier.wait("100 millis")))._tag).toBe("TimeoutError")
      const [here] = yield* Pipe.make()
      expect(yield* here.poll("100 millis")).toBe(false)

      const child = yield* Process.start({ target: () => new Promise((resolve) => setTimeout(resolve, 60_000)) })
      expect((yield* Effect.flip(child.join("100 millis")))._tag).toBe("TimeoutError")
      yield* child.terminate
      expect(yield* child.join("30 seconds")).toBe(-15)
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))
})
