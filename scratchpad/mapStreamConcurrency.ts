// ProcessPool.mapStream's throughput by chunk size and tasks in flight (for its defaults).
import { Effect, Stream } from "effect"
import { NodeMultiprocessing, ProcessPool } from "effect-multiprocessing"

const program = Effect.gen(function*() {
  const pool = yield* ProcessPool.make({ processes: 2 })
  const f = (x: number) => x + 1
  const n = 20000
  yield* pool.map(f, [1, 2, 3])
  for (let round = 0; round < 3; round++) {
    const row: Record<string, number> = {}
    for (const chunksize of [64, 256]) {
      for (const concurrency of [4, 16, 64]) {
        const start = performance.now()
        yield* Stream.runDrain(Stream.range(1, n).pipe(ProcessPool.mapStream(pool, f, { chunksize, concurrency })))
        row[`c${chunksize}x${concurrency}`] = Math.round(performance.now() - start)
      }
    }
    console.log(JSON.stringify(row))
  }
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
