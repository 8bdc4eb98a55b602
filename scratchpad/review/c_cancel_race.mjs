// Parent busy while the worker finishes: the cancel timer (200 ms) fires before the result is read.
import { Effect, Fiber } from "effect"
import { NodeMultiprocessing, Pool } from "effect-multiprocessing"
const block = (ms) => { const until = Date.now() + ms; while (Date.now() < until); }
const prog = Effect.gen(function* () {
  const pool = yield* Pool.make({ processes: 1 })
  yield* pool.apply(() => 0, [])
  const busy = yield* Effect.fork(pool.apply(() => { const u = Date.now() + 100; while (Date.now() < u); return "busy done" }, []))
  const second = yield* Effect.fork(pool.apply(() => new Promise((r) => setTimeout(() => r("second done"), 1000)), []))
  yield* Effect.sleep("20 millis")
  yield* Fiber.interrupt(busy)
  block(400) // the parent is busy (e.g. CPU work) while the worker answers and starts `second`
  const r = yield* Fiber.join(second).pipe(Effect.timeout("5 seconds"), Effect.either)
  console.log("cancel race: second =", r._tag === "Left" ? `${r.left._tag} (never settled)` : r.right)

  // Same with the hard limit: task A (limit 200 ms) takes 150 ms; the parent is busy past 200 ms.
  const a = yield* Effect.fork(Effect.either(pool.apply(() => { const u = Date.now() + 150; while (Date.now() < u); return "A done" }, [], { timeout: "200 millis" })))
  const b = yield* Effect.fork(Effect.either(pool.apply(() => new Promise((r) => setTimeout(() => r("B done"), 300)), [])))
  yield* Effect.sleep("5 millis")
  setImmediate(() => block(400))
  const ra = yield* Fiber.join(a), rb = yield* Fiber.join(b)
  console.log("hard-limit race: A =", ra._tag === "Right" ? ra.right : ra.left._tag, "| B =", rb._tag === "Right" ? rb.right : `${rb.left._tag}: ${rb.left.message}`)
  yield* pool.terminate
})
await Effect.runPromise(Effect.scoped(Effect.provide(prog, NodeMultiprocessing.layer)))
