// Where ProcessPool.mapStream's time goes: the grouping, or the tasks (chunk sizes compared).
import { Chunk, Effect, Stream } from "effect"
import { NodeMultiprocessing, ProcessPool } from "effect-multiprocessing"

const time = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = performance.now()
    yield* self
    return Math.round(performance.now() - start)
  })

const program = Effect.gen(function*() {
  const pool = yield* ProcessPool.make({ processes: 2 })
  const f = (x: number) => x + 1
  const n = 20000
  yield* pool.map(f, [1, 2, 3])
  for (let round = 0; round < 3; round++) {
    const row: Record<string, number> = {}
    row.groupedWithinOnly = yield* time(Stream.runDrain(Stream.range(1, n).pipe(Stream.groupedWithin(64, "20 millis"))))
    row.groupedOnly = yield* time(Stream.runDrain(Stream.range(1, n).pipe(Stream.grouped(64))))
    for (const chunksize of [64, 256, 1024]) {
      row[`mapStream${chunksize}`] = yield* time(Stream.runDrain(Stream.range(1, n).pipe(ProcessPool.mapStream(pool, f, { chunksize }))))
      row[`grouped${chunksize}`] = yield* time(Stream.runDrain(Stream.range(1, n).pipe(
        Stream.grouped(chunksize),
        Stream.mapEffect((c) => pool.map(f, Chunk.toReadonlyArray(c), { chunksize }), { concurrency: 4 }),
        Stream.flattenIterables
      )))
    }
    row.poolMap = yield* time(pool.map(f, Array.from({ length: n }, (_, i) => i)))
    console.log(JSON.stringify(row))
  }
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
