import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { Connection, Listener, NodeMultiprocessing, Pipe, Process } from "effect-multiprocessing"

describe("wait", () => {
  it.scopedLive("returns the ready connections, listeners and sentinels; [] on timeout; at once when the timeout is not positive", () =>
    Effect.gen(function*() {
      const [a1, b1] = yield* Pipe.make()
      const [a2, b2] = yield* Pipe.make()
      expect(yield* Connection.wait([b1, b2], "50 millis")).toEqual([])
      expect(yield* Connection.wait([b1, b2], -1)).toEqual([])

      const later = yield* Effect.fork(Effect.zipRight(Effect.sleep("100 millis"), a2.send("second")))
      expect(yield* Connection.wait([b1, b2])).toEqual([b2])
      yield* Fiber.join(later)
      yield* a1.send("first")
      expect(yield* Connection.wait([b1, b2], 0)).toEqual([b1, b2])
      expect(yield* b1.recv).toBe("first")
      expect(yield* Connection.wait([b1, b2], 0)).toEqual([b2])

      const listener = yield* Listener.make()
      expect(yield* Connection.wait([listener], 0)).toEqual([])
      yield* Effect.fork(Listener.client(listener.address))
      expect(yield* Connection.wait([listener], "5 seconds")).toEqual([listener])

      const p = yield* Process.start({ target: () => new Promise((resolve) => setTimeout(resolve, 150)) })
      expect(yield* Connection.wait([p.sentinel], 0)).toEqual([])
      expect(yield* Connection.wait([p.sentinel, b1], "10 seconds")).toEqual([p.sentinel])
      expect(p.exitCode).toBe(0)
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))
})
