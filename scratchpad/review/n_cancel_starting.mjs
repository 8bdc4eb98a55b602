import { Effect } from "effect"
import { NodeMultiprocessing, Pool } from "effect-multiprocessing"
const prog = Effect.gen(function* () {
  const pool = yield* Pool.make({ processes: 1, initializer: () => new Promise((r) => setTimeout(r, 1000)) })
  const pids = new Set()
  for (let i = 0; i < 4; i++) {
    pool.pids.forEach((p) => pids.add(p))
    const r = yield* Effect.either(pool.apply(() => "ok", []).pipe(Effect.timeout("600 millis")))
    console.log(i, r._tag === "Right" ? r.right : r.left._tag)
  }
  pool.pids.forEach((p) => pids.add(p))
  console.log("distinct workers started:", pids.size)
})
await Effect.runPromise(Effect.scoped(Effect.provide(prog, NodeMultiprocessing.layer)))
