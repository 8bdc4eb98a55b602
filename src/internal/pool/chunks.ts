/**
 * A map's input cut into chunks, one task each: up front for a map (which
 * needs the whole input anyway, and sizes its chunks by it, as Python does),
 * or as the run goes for imap (an infinite input works, and a run stopped
 * early reads no further). As in Python, when the input throws, the chunk it
 * broke is never sent.
 */
import { InputError } from "../../Errors.js"

/** Where a run's chunks come from. */
export interface ChunkSource {
  /** The next chunk; none at the end of the input, or where it broke (`error`). */
  readonly next: () => Array<unknown> | undefined
  /** What the input threw, once it has. */
  readonly error: () => InputError | undefined
  /** Items in the input: all of them once known, else those read so far. */
  readonly total: () => number
  /** Stops reading: a generator's `finally` runs. */
  readonly close: () => void
}

const inputError = (read: number, cause: unknown) =>
  new InputError({ message: `the input of the map threw after ${read} items: ${String(cause)}`, cause })

/** The whole input read now, cut into `chunksize` items (default: Python's, about four chunks per worker). */
export const chunksReadAhead = (items: Iterable<unknown>, chunksize: number | undefined, processes: number): ChunkSource => {
  let all: ReadonlyArray<unknown> = []
  let error: InputError | undefined
  if (Array.isArray(items)) {
    all = items
  } else {
    const read: Array<unknown> = []
    try {
      for (const item of items) read.push(item)
    } catch (cause) {
      error = inputError(read.length, cause)
    }
    all = read
  }
  // Python's default: divmod(len(iterable), len(pool) * 4), rounded up.
  const size = chunksize ?? (Math.ceil(all.length / (processes * 4)) || 1)
  const total = error === undefined ? all.length : all.length - (all.length % size)
  let at = 0
  return {
    next: () => {
      if (at >= total) return undefined
      const chunk = all.slice(at, at + size)
      at += size
      return chunk
    },
    error: () => error,
    total: () => total,
    close: () => {}
  }
}

/** The input read a chunk of `size` items at a time, as they are asked for. */
export const chunksAsRead = (items: Iterable<unknown>, size: number): ChunkSource => {
  const known = Array.isArray(items) ? items.length : undefined
  let iterator: Iterator<unknown> | undefined
  let read = 0
  let finished = false
  let error: InputError | undefined
  return {
    next: () => {
      if (finished) return undefined
      const chunk: Array<unknown> = []
      try {
        iterator ??= items[Symbol.iterator]()
        while (chunk.length < size) {
          const step = iterator.next()
          if (step.done === true) {
            finished = true
            break
          }
          chunk.push(step.value)
        }
      } catch (cause) {
        finished = true
        error = inputError(read + chunk.length, cause)
        return undefined
      }
      read += chunk.length
      return chunk.length > 0 ? chunk : undefined
    },
    error: () => error,
    total: () => known ?? read,
    close: () => {
      if (finished) return
      finished = true
      try {
        iterator?.return?.()
      } catch {
        // its own cleanup failed; nothing waits on it
      }
    }
  }
}
