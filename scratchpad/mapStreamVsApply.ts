// How much a Stream gains from ProcessPool.mapStream over one pool.apply per element (docs/pool.md quotes it).
import { Effect, Stream } from "effect"
import { NodeMultiprocessing, ProcessPool } from "effect-multiprocessing"

const time = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = performance.now()
    yield* self
    return performance.now() - start
  })

const program = Effect.gen(function*() {
  const pool = yield* ProcessPool.make({ processes: 2 })
  const f = (x: number) => x + 1
  yield* pool.map(f, [1, 2, 3])
  for (let round = 0; round < 3; round++) {
    const applyN = 500
    const perElement = yield* time(Stream.runDrain(Stream.range(1, applyN).pipe(Stream.mapEffect((x) => pool.apply(f, [x])))))
    const perElementConcurrent = yield* time(
      Stream.runDrain(Stream.range(1, applyN).pipe(Stream.mapEffect((x) => pool.apply(f, [x]), { concurrency: 8 })))
    )
    const batched = yield* time(Stream.runDrain(Stream.range(1, 5000).pipe(ProcessPool.mapStream(pool, f))))
    console.log(JSON.stringify({
      applyPerElementItemsPerS: Math.round(applyN / perElement * 1000),
      applyConcurrent8ItemsPerS: Math.round(applyN / perElementConcurrent * 1000),
      mapStreamItemsPerS: Math.round(5000 / batched * 1000)
    }))
  }
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
