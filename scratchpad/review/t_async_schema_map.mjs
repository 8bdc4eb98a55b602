import { Effect, Schema, Cause, Exit } from "effect"
import { NodeMultiprocessing, Pool } from "effect-multiprocessing"
const Slow = Schema.transformOrFail(Schema.Number, Schema.Number, { strict: true, decode: (x) => Effect.succeed(x), encode: (x) => Effect.delay(Effect.succeed(x), "1 millis") })
const prog = Effect.gen(function* () {
  const pool = yield* Pool.make({ processes: 1 })
  console.log("apply with async input schema:", yield* Effect.either(pool.apply((x) => x, [1], { input: Schema.Tuple(Slow) })))
  const exit = yield* Effect.exit(pool.map((x) => x, [1, 2], { input: Slow }))
  console.log("map with async input schema:", Exit.isSuccess(exit) ? exit.value : Cause.pretty(exit.cause).split("\n")[0])
})
await Effect.runPromise(Effect.scoped(Effect.provide(prog, NodeMultiprocessing.layer)))
