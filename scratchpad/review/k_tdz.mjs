import { Effect, Cause, Exit } from "effect"
import { NodeMultiprocessing, Pool } from "effect-multiprocessing"
const prog = Effect.gen(function* () {
  const pool = yield* Pool.make({ processes: 2 })
  const f = (x) => { if (x === 0) throw new Error("zero"); return x }
  yield* pool.map((x) => x, [1, 2, 3, 4]) // warm
  const tally = {}
  for (let i = 0; i < 300; i++) {
    const exit = yield* Effect.exit(pool.map(f, [0, 1, 2, 3, 4, 5, 6, 7], { chunksize: 1 }))
    const key = Exit.isSuccess(exit) ? "success" : Cause.isDie(exit.cause) ? "DEFECT: " + String(Cause.squash(exit.cause)).slice(0, 80) : Cause.squash(exit.cause)._tag
    tally[key] = (tally[key] ?? 0) + 1
  }
  console.log(tally)
})
await Effect.runPromise(Effect.scoped(Effect.provide(prog, NodeMultiprocessing.layer)))
