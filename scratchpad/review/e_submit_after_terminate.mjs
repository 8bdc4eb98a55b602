// The fiber yields (Effect's op budget) between the refusal check and submit; terminate meanwhile.
import { Effect, Fiber, Schema } from "effect"
import { NodeMultiprocessing, Pool } from "effect-multiprocessing"
const prog = Effect.gen(function* () {
  const pool = yield* Pool.unsafeMake({ processes: 1 })
  const items = Array.from({ length: 20000 }, (_, i) => i)
  const m = yield* Effect.fork(pool.map((x) => x, items, { chunksize: 1, input: Schema.Number }))
  for (let i = 0; i < Number(process.argv[2] ?? 1); i++) yield* Effect.yieldNow()
  console.log("outstanding before terminate:", pool.core.outstanding)
  yield* pool.terminate
  console.log("terminated; map still running? ", (yield* Fiber.poll(m))._tag)
  const r = yield* Fiber.join(m).pipe(Effect.timeout("3 seconds"), Effect.either)
  console.log("map after terminate:", r._tag === "Left" ? r.left._tag + " " + (r.left.message ?? "") : "succeeded " + r.right.length)
  const r2 = yield* pool.apply(() => 1, []).pipe(Effect.timeout("1 second"), Effect.either)
  console.log("apply after terminate:", r2._tag === "Left" ? r2.left._tag : r2.right)
})
await Effect.runPromise(Effect.provide(prog, NodeMultiprocessing.layer))
process.exit(0)
