/** Event (src/Event.ts): in its owner, and as a proxy in a child. */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, FastCheck as fc, Fiber, Option } from "effect"
import { Event, NodeMultiprocessing, Pipe, Process } from "effect-multiprocessing"

describe("Event in the owner (Effect face)", () => {
  it.scopedLive.prop(
    "random interleavings of set, clear, wait and interrupt: an Event's waiters return true exactly when it was set",
    [fc.array(fc.constantFrom("set", "clear", "wait", "interrupt"), { maxLength: 30 })],
    ([steps]) =>
      Effect.gen(function*() {
        const event = yield* Event.make()
        let isSet = false
        const waiting: Array<Fiber.RuntimeFiber<void, unknown>> = []
        for (const step of steps) {
          if (step === "set") {
            yield* event.set
            isSet = true
          } else if (step === "clear") {
            yield* event.clear
            isSet = false
          } else if (step === "wait") waiting.push(yield* Effect.fork(event.wait()))
          else if (waiting.length > 0) yield* Fiber.interrupt(waiting.shift()!)
          yield* Effect.yieldNow()
          // Once it has been set, no waiter is left waiting.
          if (isSet) for (const fiber of waiting) expect(Option.isSome(yield* Fiber.poll(fiber))).toBe(true)
        }
        expect(yield* event.isSet).toBe(isSet)
        for (const fiber of waiting) yield* Fiber.interrupt(fiber)
      }),
    { fastCheck: { numRuns: 60 } }
  )

  it.scopedLive("Event: wait ends once set, fails with TimeoutError when its timeout runs out; clear resets it", () =>
    Effect.gen(function*() {
      const event = yield* Event.make()
      expect(yield* event.isSet).toBe(false)
      expect(yield* event.wait("20 millis").pipe(Effect.flip)).toMatchObject({ _tag: "TimeoutError" })
      const waiter = yield* Effect.fork(event.wait())
      yield* event.set
      expect(Exit.isSuccess(yield* Fiber.await(waiter))).toBe(true)
      yield* event.clear
      expect(yield* event.isSet).toBe(false)
    }))
})

describe("Event combinators (Effect face)", () => {
  it.scopedLive("Event.set, clear, isSet and wait, data-first and piped; a child's proxy pipes too", () =>
    Effect.gen(function*() {
      const event = yield* Event.make()
      expect(Event.isEvent(event)).toBe(true)
      expect(Event.isEvent({ set: Effect.void })).toBe(false)
      expect(yield* Event.wait(event, "10 millis").pipe(Effect.flip)).toMatchObject({ _tag: "TimeoutError" })
      yield* event.pipe(Event.set)
      expect(yield* Event.isSet(event)).toBe(true)
      yield* event.pipe(Event.wait())
      yield* Event.clear(event)
      expect(yield* event.pipe(Event.isSet)).toBe(false)
      yield* Process.start({ target: (event: Event.Event) => event.pipe((self) => self.set), args: [event] })
      yield* event.pipe(Event.wait())
      expect(yield* event.isSet).toBe(true)
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))
})

describe("an Event over a Connection", () => {
  it.scopedLive("an Event sent over a Pipe (Effect face) reaches the child as a proxy it can set", () =>
    Effect.gen(function*() {
      const event = yield* Event.make()
      const [here, there] = yield* Pipe.make()
      yield* Process.start({
        target: async (conn: any) => {
          const { Effect } = await import("effect")
          return Effect.flatMap(conn.recv, (message: any) => message.event.set)
        },
        args: [there]
      })
      yield* here.send({ event, note: "set it" })
      yield* event.wait("30 seconds") // generous: a child's start on a loaded machine
      expect(yield* event.isSet).toBe(true)
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))
})
