// The Pool examples of the multiprocess README (dill's fork of
// multiprocessing) through the Effect face (the Python is in
// examples/pool-lambda.ts): `map_async(...).get(timeout=1)` is a map with a
// timeout on its result, and the lambda an inline arrow function, which travels
// to the workers as source text.
import { Effect, Fiber } from "effect"
import { NodeMultiprocessing, ProcessPool } from "effect-multiprocessing"

const range = (n: number) => Array.from({ length: n }, (_, i) => i)

const f = (x: number) => x * x

const program = Effect.gen(function*() {
  const p = yield* ProcessPool.make({ processes: 4 })
  const result = yield* Effect.fork(p.map(f, range(10))) // map_async
  // Python waits one second; four Node workers starting on a busy machine may need more.
  console.log(yield* Effect.timeout(Fiber.join(result), "5 seconds")) // [0, 1, 4, 9, 16, 25, 36, 49, 64, 81] (Node spreads it over lines)

  console.log(yield* p.map((x) => ((y) => y ** 2)(x) + x, range(10))) // [0, 2, 6, 12, 20, 30, 42, 56, 72, 90]
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
