import { Effect } from "effect"
import { Pool, NodeMultiprocessing } from "effect-multiprocessing"
const prog = Effect.gen(function*() {
  const pool = yield* Pool.make({ processes: 2 })
  const f = (x) => x
  for (const n of [10000, 30000, 100000]) {
    const xs = Array.from({ length: n }, (_, i) => i)
    const t1 = performance.now()
    yield* Effect.forEach(xs, (x) => pool.apply(f, [x]), { concurrency: "unbounded", discard: true })
    console.log(n, "tasks", (performance.now() - t1).toFixed(1), "ms")
    const t2 = performance.now()
    yield* Effect.forEach(xs, (x) => Effect.async((resume) => { setImmediate(() => resume(Effect.succeed(x))) }), { concurrency: "unbounded", discard: true })
    console.log(n, "bare async", (performance.now() - t2).toFixed(1), "ms")
  }
})
Effect.runPromise(Effect.scoped(prog).pipe(Effect.provide(NodeMultiprocessing.layer)))
