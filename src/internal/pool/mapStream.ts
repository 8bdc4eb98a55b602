/**
 * A Stream through a pool: elements gathered into chunks, each chunk one
 * task (a map with one chunk), a bounded number of tasks in flight. One task
 * per element would pay a round trip and a task's bookkeeping for every
 * element; a chunk pays them once.
 */
import { Chunk, Effect, Stream } from "effect"
import { ValueError } from "../../Errors.js"
import type { MapStreamOptions, Pool, PoolError } from "../../ProcessPool.js"
import type * as Target from "../../Target.js"

/** Elements per task when none is given: small elements need batching, costly ones a chunksize of their own. */
export const DEFAULT_STREAM_CHUNKSIZE = 128

const invalid = (name: string, value: number | undefined) =>
  value !== undefined && !(Number.isInteger(value) && value >= 1)
    ? new ValueError({ message: `mapStream's ${name} must be a whole number of at least 1, got ${value}` })
    : undefined

export const mapStream = <In, E, R, A>(
  self: Stream.Stream<In, E, R>,
  pool: Pool,
  target: Target.Target,
  options: MapStreamOptions<A, any> | undefined,
  unordered: boolean
): Stream.Stream<A, E | PoolError, R> => {
  const refusal = invalid("chunksize", options?.chunksize) ?? invalid("concurrency", options?.concurrency)
  if (refusal !== undefined) return Stream.fail(refusal)
  const chunksize = options?.chunksize ?? DEFAULT_STREAM_CHUNKSIZE
  // Four per worker: each has its next tasks while it runs one (fewer left workers idle in scratchpad/mapStreamConcurrency.ts).
  const concurrency = options?.concurrency ?? 4 * pool.processes
  const { chunksize: _chunksize, concurrency: _concurrency, maxWait, ...taskOptions } = options ?? {}
  const runChunk = (chunk: Chunk.Chunk<In>) =>
    pool.map(target as Target.Target<(item: In) => A>, Chunk.toReadonlyArray(chunk), { ...taskOptions, chunksize: chunk.length } as never).pipe(
      // An array does not throw while it is read.
      Effect.catchTag("InputError", Effect.die)
    ) as Effect.Effect<Array<A>, PoolError>
  // A chunk waits to be full, as Python's imap reads `chunksize` items before it sends them: grouping
  // within a time window costs ~100x more per chunk (its timer and hand-off), so only when asked.
  return self.pipe(
    maxWait === undefined ? Stream.grouped(chunksize) : Stream.groupedWithin(chunksize, maxWait),
    Stream.mapEffect(runChunk, { concurrency, unordered }),
    Stream.flattenIterables
  )
}
