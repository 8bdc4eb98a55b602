import { Effect, Fiber, Schema } from "effect"
import { NodeMultiprocessing, Pool } from "effect-multiprocessing"
const Slow = Schema.transformOrFail(Schema.Number, Schema.Number, {
  strict: true,
  decode: (x) => Effect.succeed(x),
  encode: (x) => Effect.delay(Effect.succeed(x), "20 millis")
})
const prog = Effect.gen(function* () {
  const pool = yield* Pool.unsafeMake({ processes: 1 })
  const a = yield* Effect.fork(pool.apply((x) => x, [1], { input: Schema.Tuple(Slow) }))
  yield* Effect.sleep("5 millis")
  yield* pool.terminate
  const r = yield* Fiber.join(a).pipe(Effect.timeout("3 seconds"), Effect.either)
  console.log("apply racing terminate:", r._tag === "Left" ? r.left._tag : "ok " + r.right, "| outstanding:", pool.core.outstanding)
  const pool2 = yield* Pool.unsafeMake({ processes: 1 })
  const b = yield* Effect.fork(pool2.apply((x) => x, [1], { input: Schema.Tuple(Slow) }))
  yield* Effect.sleep("5 millis")
  yield* pool2.close
  yield* pool2.join
  const r2 = yield* Fiber.join(b).pipe(Effect.timeout("3 seconds"), Effect.either)
  console.log("apply racing close+join:", r2._tag === "Left" ? r2.left._tag : "ok " + r2.right, "| workers:", pool2.core.workers.size)
})
await Effect.runPromise(Effect.provide(prog, NodeMultiprocessing.layer))
process.exit(0)
