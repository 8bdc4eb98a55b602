// The test file docs/testing.md shows: how a program's own tests can use the library with
// @effect/vitest. It runs with the library's tests, so the guide's advice is checked.
import { describe, expect, it, layer } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { Context, Effect, FastCheck as fc, Fiber, Layer, TestClock } from "effect"
import { NodeMultiprocessing, Process, ProcessPool, ProcessQueue } from "effect-multiprocessing"

// Real processes, real sockets: `it.live` (and `it.scopedLive`) run on the real clock.
describe("a child process", () => {
  it.live("returns its target's result", () =>
    Effect.gen(function*() {
      const result = yield* Process.run({ target: (a: number, b: number) => a + b, args: [2, 3] })
      expect(result).toBe(5)
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.scopedLive("takes from a queue its parent fills; the queue closes with the test's Scope", () =>
    Effect.gen(function*() {
      const queue = yield* ProcessQueue.make<number>()
      // The queue arrives in the child as the Effect face's Queue: the target returns its get, an Effect.
      const child = yield* Process.start({ target: (q: ProcessQueue.Queue<number>) => q.get(), args: [queue] })
      yield* queue.put(42)
      expect(yield* child.result).toBe(42)
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))
})

// Under `it.effect` the TestClock stands still, but the library's own waits count wall time:
// a timeout given to the library fires after that much real time; `Effect.timeout` waits for
// `TestClock.adjust`.
describe("the two clocks", () => {
  it.scoped("a library timeout runs out on its own; Effect.timeout runs out when the test moves the clock", () =>
    Effect.gen(function*() {
      const queue = yield* ProcessQueue.make<number>()
      const late = yield* queue.get({ timeout: "50 millis" }).pipe(Effect.flip)
      expect(late._tag).toBe("TimeoutError")

      const waiting = yield* queue.get().pipe(Effect.timeout("1 hour"), Effect.flip, Effect.fork)
      yield* TestClock.adjust("1 hour")
      expect((yield* Fiber.join(waiting))._tag).toBe("TimeoutException")
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))
})

// One pool for every run of a property: a Layer built once for the group, its workers
// terminated when the group ends.
class Workers extends Context.Tag("Workers")<Workers, ProcessPool.Pool>() {}
const WorkersLive = ProcessPool.layer(Workers, { processes: 2 }).pipe(Layer.provide(NodeMultiprocessing.layer))

layer(WorkersLive, { excludeTestServices: true })("a pool under properties", (it) => {
  it.effect.prop("map gives what a local map gives, in order", [fc.array(fc.integer(), { maxLength: 50 })], ([xs]) =>
    Effect.gen(function*() {
      const pool = yield* Workers
      expect(yield* pool.map((x: number) => x * 3 + 1, xs)).toEqual(xs.map((x) => x * 3 + 1))
    }), { fastCheck: { numRuns: 20 } })
})

// No child left behind: the pids this process has as children, read from the system.
const children = (): Array<number> => {
  try {
    return execFileSync("ps", ["-o", "pid=", "--ppid", String(process.pid)], { encoding: "utf8" })
      .split("\n").filter((line) => line.trim() !== "").map(Number)
  } catch {
    return [] // ps exits with 1 when it lists nothing
  }
}

describe("leaks", () => {
  it.live("a Scope that closes ends the children started in it", () =>
    Effect.gen(function*() {
      const pid = yield* Effect.scoped(Effect.map(
        Process.start({ target: () => new Promise(() => {}) }),
        (child) => child.pid!
      ))
      expect(children()).not.toContain(pid)
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))
})

describe("docs/testing.md", () => {
  it("shows this file's code as it is", async () => {
    const { readFileSync } = await import("node:fs")
    const page = readFileSync(new URL("../docs/testing.md", import.meta.url), "utf8")
    const shown = [...page.matchAll(/^```TypeScript\n([\s\S]*?)^```$/gm)].map((match) => match[1])
    expect(shown.length).toBeGreaterThan(0)
    const file = readFileSync(new URL(import.meta.url), "utf8")
    for (const block of shown) expect(file).toContain(block)
  })
})
