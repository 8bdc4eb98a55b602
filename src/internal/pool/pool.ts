/**
 * A pool's operations over its scheduler (`poolCore.ts`): arguments encoded
 * (with a Schema when given), inputs cut into chunks, results decoded and put
 * back in order. Each operation exists as an Effect, and as an `unsafe`
 * callback form that the compat face uses on its per-task path.
 */
import { Chunk, Duration, Effect, Either, Exit, type ParseResult, Schema, Stream } from "effect"
import { InputError, SerializationError, ValueError } from "../../Errors.js"
import type { InvalidTargetError, UnportableFunctionError, WorkerStartupError } from "../../Errors.js"
import type * as Target from "../../Target.js"
import { decode, encode } from "../codec/codec.js"
import { isNotDataError, markNotData, POOL_ADVICE, WHAT_CROSSES } from "../codec/notData.js"
import { keepingAlive } from "../keepAlive.js"
import type { PoolCore, PoolFunction, Task, TaskError, TaskLimits, TaskOutcome } from "./poolCore.js"
import * as P from "./poolProtocol.js"

export const PoolTypeId: unique symbol = Symbol.for("effect-multiprocessing/Pool")

/** What a call on a pool can fail with: its task's failure (`RemoteError` …), or why it could not run. */
export type PoolError =
  | TaskError
  | ValueError
  | UnportableFunctionError
  | InvalidTargetError
  | WorkerStartupError
  | ParseResult.ParseError

export interface TaskOptions<A = unknown, I = unknown> {
  /** Hard limit, from the task's start: the worker is killed and replaced, the task fails with `TimeLimitExceeded`. */
  readonly timeout?: Duration.DurationInput
  /** Soft limit, from the task's start: its `taskSignal()` is aborted (an Effect interrupted), `SoftTimeLimitExceeded`. */
  readonly softTimeout?: Duration.DurationInput
  /** Encodes the arguments (for `apply`, the argument list; for maps, one item) before they travel. Synchronous for maps. */
  readonly input?: Schema.Schema<any, I, never>
  /** Decodes each result: validation, and class instances back for `Schema.Class`. */
  readonly output?: Schema.Schema<A, any, never>
}

/** How far a map has come: items done out of all of them. */
export interface Progress {
  readonly done: number
  readonly total: number
}

export interface MapOptions<A = unknown, I = unknown> extends TaskOptions<A, I> {
  /** Items per task. Maps default to Python's choice (about four tasks per worker); `imap` to 1. */
  readonly chunksize?: number
  /** Called as chunks finish; if it throws, the map fails with that (a defect). */
  readonly progress?: (progress: Progress) => void
}

/** A map's events, for a progress display: progress as chunks finish, then the results. */
export type MapEvent<B> =
  | { readonly _tag: "Progress"; readonly done: number; readonly total: number }
  | { readonly _tag: "Done"; readonly results: ReadonlyArray<B> }

/** Timers hold at most this many milliseconds (about 24.8 days); a longer limit is no limit. */
const LONGEST_TIMER_MS = 2 ** 31 - 1

/**
 * A time limit in whole milliseconds: undefined when not given, 0 for none
 * (infinite, or longer than a timer can hold: this overrides a pool's
 * default); `ValueError` unless positive.
 */
export const limitMillis = (duration: Duration.DurationInput | undefined, name: string): Either.Either<number | undefined, ValueError> => {
  if (duration === undefined) return Either.right(undefined)
  const decoded = Duration.decodeUnknown(duration)
  if (decoded._tag === "None") return Either.left(new ValueError({ message: `${name} must be a duration, got ${String(duration)}` }))
  const millis = Duration.toMillis(decoded.value)
  if (!(millis > 0)) return Either.left(new ValueError({ message: `${name} must be positive, got ${Duration.format(decoded.value)}` }))
  return Either.right(millis > LONGEST_TIMER_MS ? 0 : Math.ceil(millis))
}

const limitsOf = (options: TaskOptions<any, any> | undefined): Either.Either<TaskLimits, ValueError> =>
  options === undefined || (options.timeout === undefined && options.softTimeout === undefined)
    ? Either.right({})
    : Either.flatMap(limitMillis(options.timeout, "timeout"), (timeoutMs) =>
      Either.map(limitMillis(options.softTimeout, "softTimeout"), (softTimeoutMs) => ({ timeoutMs, softTimeoutMs })))

/** Input read into chunks; `error` is what the iterable threw, after the items before it. */
interface Chunks {
  readonly chunks: Array<Array<unknown>>
  readonly total: number
  readonly error: InputError | undefined
}

const readChunks = (items: Iterable<unknown>, chunksize: number | undefined, processes: number): Chunks => {
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
  // Python cuts chunks as it reads: when the input breaks, an unfinished chunk is never sent.
  const whole = error === undefined ? all.length : all.length - (all.length % size)
  const chunks: Array<Array<unknown>> = []
  for (let i = 0; i < whole; i += size) chunks.push(all.slice(i, i + size))
  return { chunks, total: whole, error }
}

/**
 * Where a run's chunks come from: cut up front (a map, which needs the whole
 * input anyway), or read as the run goes (imap: an infinite input works, and
 * a run stopped early reads no further).
 */
interface ChunkSource {
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

const chunksReadAhead = ({ chunks, error, total }: Chunks): ChunkSource => {
  let index = 0
  return { next: () => chunks[index++], error: () => error, total: () => total, close: () => {} }
}

const chunksAsRead = (items: Iterable<unknown>, size: number): ChunkSource => {
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
        // As Python does, an unfinished chunk is never sent.
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

/** Chunks an imap keeps submitted and not yet handed on, per worker: enough to keep the workers busy, bounded. */
const IMAP_AHEAD_PER_WORKER = 32

/**
 * Encodes a task's payload now; what the codec cannot carry is a `SerializationError`, and nothing is sent.
 * `items`: the payload is a chunk of a map's input, whose first item is `items.first` of the whole input.
 */
const encodeArgs = (value: unknown, fn: PoolFunction, items?: { readonly first: number }): Either.Either<Uint8Array, SerializationError> => {
  try {
    return Either.right(encode(value))
  } catch (error) {
    return Either.left(
      new SerializationError({
        message: `the arguments of ${fn.name} cannot be sent to a worker: ` + (isNotDataError(error)
          ? (items === undefined ? error.describe("args") : error.describe("items", 0, items.first))
          : `${(error as Error).message.replace(/\.+$/, "")}. ${WHAT_CROSSES}`)
      })
    )
  }
}

const decodeResult = (bytes: Buffer, fn: PoolFunction): Either.Either<unknown, SerializationError> => {
  try {
    return Either.right(decode(bytes))
  } catch (error) {
    return Either.left(new SerializationError({ message: `the result of ${fn.name} could not be read: ${(error as Error).message}` }))
  }
}

const checkChunksize = (chunksize: number | undefined): Either.Either<void, ValueError> =>
  chunksize !== undefined && !(Number.isInteger(chunksize) && chunksize >= 1)
    ? Either.left(new ValueError({ message: `chunksize must be a whole number of at least 1, got ${chunksize}` }))
    : Either.void

/** How a run of chunks reports: values in order (or as they come), a failed chunk, the end. */
interface ChunkSink<A> {
  readonly onValues: (values: Array<A>) => void
  /**
   * Given: a failed chunk is reported here in its place and the others go on
   * (Python's `IMapIterator`). Not given: the first failure ends the run, and
   * the chunks not yet started are withdrawn (those running finish, as in Python).
   */
  readonly onFailure?: (error: PoolError) => void
  readonly onEnd: (exit: Exit.Exit<void, PoolError | InputError>) => void
}

export class PoolImpl {
  readonly [PoolTypeId] = PoolTypeId

  constructor(readonly core: PoolCore) {}

  get processes(): number {
    return this.core.size
  }

  get pids(): ReadonlyArray<number> {
    return this.core.pids
  }

  /** Why this pool takes no new task (closed, terminated, broken), if it does not. */
  unsafeRefusal(): PoolError | undefined {
    return this.core.refusal()
  }

  private ready(target: Target.Target): Effect.Effect<PoolFunction, PoolError> {
    return Effect.suspend((): Effect.Effect<PoolFunction, PoolError> => {
      const refusal = this.core.refusal()
      return refusal !== undefined ? Effect.fail(refusal) : this.core.functionFor(target)
    })
  }

  private decodeOutput<A>(value: unknown, options: TaskOptions<A, any> | undefined): Effect.Effect<A, ParseResult.ParseError> {
    return options?.output === undefined ? Effect.succeed(value as A) : Schema.decodeUnknown(options.output)(value)
  }

  /** Python's `apply`: `target(...args)` in a worker. Interrupting it withdraws the task, or stops it running. */
  apply<F extends Target.AnyFunction, A = Target.Result<F>>(
    target: Target.Target<F>,
    args: Parameters<F>,
    options?: TaskOptions<A, any>
  ): Effect.Effect<A, PoolError> {
    return Effect.gen(this, function*() {
      const limits = yield* limitsOf(options)
      const fn = yield* this.ready(target)
      const encoded = options?.input === undefined ? args : yield* Schema.encodeUnknown(options.input)(args)
      const payload = yield* encodeArgs(encoded, fn)
      const bytes = yield* Effect.async<Buffer, TaskError>((resume) => {
        const task = this.core.submit(fn, P.APPLY, payload, limits, (outcome) =>
          resume(outcome.ok ? Effect.succeed(outcome.value) : Effect.fail(outcome.error)))
        return Effect.sync(() => this.core.cancel([task]))
      })
      return yield* this.decodeOutput(yield* decodeResult(bytes, fn), options)
    })
  }

  /**
   * `apply` for the compat face, without a fiber per task: queued now,
   * `onExit` called once when it settles (a failure before queuing, too).
   * The returned function withdraws the task.
   */
  unsafeApply(
    target: Target.Target,
    args: ReadonlyArray<unknown>,
    options: TaskOptions<any, any> | undefined,
    onExit: (exit: Exit.Exit<unknown, PoolError>) => void
  ): () => void {
    // The common case (a function seen before, no options) without running an Effect.
    const known = options === undefined && this.core.refusal() === undefined ? this.core.knownFunction(target) : undefined
    const prepared: Exit.Exit<{ fn: PoolFunction; payload: Uint8Array; limits: TaskLimits }, PoolError> = known !== undefined
      ? Either.match(encodeArgs(args, known), {
        onLeft: (error) => Exit.fail(error),
        onRight: (payload) => Exit.succeed({ fn: known, payload, limits: {} })
      })
      : Effect.runSyncExit(Effect.gen(this, function*() {
        const limits = yield* limitsOf(options)
        const fn = yield* this.ready(target)
        const encoded = options?.input === undefined ? args : yield* Schema.encodeUnknown(options.input)(args)
        return { fn, payload: yield* encodeArgs(encoded, fn), limits }
      }))
    if (Exit.isFailure(prepared)) {
      onExit(prepared)
      return () => {}
    }
    const { fn, limits, payload } = prepared.value
    const task = this.core.submit(fn, P.APPLY, payload, limits, (outcome) => {
      if (!outcome.ok) return onExit(Exit.fail(outcome.error))
      const value = decodeResult(outcome.value, fn)
      if (Either.isLeft(value)) return onExit(Exit.fail(value.left))
      onExit(options?.output === undefined ? Exit.succeed(value.right) : Effect.runSyncExit(this.decodeOutput(value.right, options)))
    })
    return () => this.core.cancel([task])
  }

  /**
   * Every map's work, with callbacks: reads and chunks the input, encodes and
   * submits the chunks one by one (the first workers start while the rest are
   * encoded), and reports their results through `sink`. Gives how to withdraw
   * what is outstanding, and whether to stop what already runs (see `PoolCore.cancel`).
   */
  private runChunks<A>(
    mode: number,
    ordered: boolean,
    lazy: boolean,
    target: Target.Target,
    items: Iterable<unknown>,
    options: MapOptions<A, any> | undefined,
    sink: ChunkSink<A>
  ): (stopRunning?: boolean) => void {
    const nothing = () => {}
    const setup = Effect.runSyncExit(Effect.gen(this, function*() {
      yield* checkChunksize(options?.chunksize)
      const limits = yield* limitsOf(options)
      const fn = yield* this.ready(target)
      const source = lazy
        ? chunksAsRead(items, options?.chunksize ?? 1)
        : chunksReadAhead(readChunks(items, options?.chunksize, this.core.size))
      return { fn, limits, source }
    }))
    if (Exit.isFailure(setup)) {
      sink.onEnd(setup)
      return nothing
    }
    const { fn, limits, source } = setup.value
    const ahead = lazy ? this.core.size * IMAP_AHEAD_PER_WORKER : Infinity
    /** Tasks submitted and not yet settled, to withdraw when the run ends early. */
    const outstanding = new Set<Task>()
    const arrived = new Map<number, Either.Either<Array<unknown>, PoolError>>()
    let submitted = 0
    let next = 0
    let done = 0
    let inputDone = false
    let ended = false
    const end = (exit: Exit.Exit<void, PoolError | InputError>) => {
      if (ended) return
      ended = true
      source.close()
      if (Exit.isFailure(exit)) this.core.cancel([...outstanding], false)
      sink.onEnd(exit)
    }
    const deliver = (chunk: Either.Either<Array<unknown>, PoolError>) => {
      if (Either.isLeft(chunk)) {
        if (sink.onFailure === undefined) return end(Exit.fail(chunk.left))
        return sink.onFailure(chunk.left)
      }
      done += chunk.right.length
      try {
        options?.progress?.({ done, total: source.total() })
      } catch (error) {
        return end(Exit.die(error))
      }
      if (options?.output === undefined) return sink.onValues(chunk.right as Array<A>)
      const decoded = Effect.runSyncExit(Effect.forEach(chunk.right, (value) => this.decodeOutput(value, options)))
      if (Exit.isFailure(decoded)) return end(decoded)
      sink.onValues(decoded.value)
    }
    const encodeItem = options?.input === undefined ? undefined : Schema.encodeUnknownEither(options.input)
    let first = 0
    /** Reads and submits chunks while fewer than `ahead` are out; ends the run once all are in. */
    const fill = () => {
      while (!ended && !inputDone && submitted - next < ahead) {
        const items = source.next()
        if (items === undefined) {
          inputDone = true
          break
        }
        const chunk = encodeItem === undefined ? Either.right(items) : Either.all(items.map((item) => encodeItem(item)))
        const payload = Either.flatMap(chunk, (values) => encodeArgs(values, fn, { first }))
        if (Either.isLeft(payload)) return end(Exit.fail(payload.left))
        first += items.length
        const index = submitted++
        const task: Task = this.core.submit(fn, mode, payload.right, limits, (outcome) => {
          outstanding.delete(task)
          settle(index, outcome)
        })
        outstanding.add(task)
      }
      if (inputDone && next === submitted) end(source.error() !== undefined ? Exit.fail(source.error()!) : Exit.void)
    }
    const settle = (index: number, outcome: TaskOutcome) => {
      if (ended) return
      const chunk = outcome.ok ? decodeResult(outcome.value, fn) as Either.Either<Array<unknown>, PoolError> : Either.left(outcome.error)
      if (ordered) {
        arrived.set(index, chunk)
        while (!ended && arrived.has(next)) {
          const first = arrived.get(next)!
          arrived.delete(next++)
          deliver(first)
        }
      } else {
        next++
        deliver(chunk)
      }
      fill()
    }
    fill()
    return (stopRunning = true) => {
      ended = true
      source.close()
      this.core.cancel([...outstanding], stopRunning)
    }
  }

  private mapMode<A>(
    mode: number,
    target: Target.Target,
    items: Iterable<unknown>,
    options: MapOptions<A, any> | undefined
  ): Effect.Effect<Array<A>, PoolError | InputError> {
    return Effect.async<Array<A>, PoolError | InputError>((resume) => {
      const results: Array<A> = []
      const cancel = this.runChunks(mode, true, false, target, items, options, {
        onValues: (values) => {
          for (const value of values) results.push(value)
        },
        onEnd: (exit) => resume(Exit.isSuccess(exit) ? Effect.succeed(results) : Exit.failCause(exit.cause))
      })
      return Effect.sync(() => cancel())
    })
  }

  /** Python's `map`: `target(item)` for every item, results in order; it fails at the first failed chunk. */
  map<F extends (item: any) => any, A = Target.Result<F>>(
    target: Target.Target<F>,
    items: Iterable<Parameters<F>[0]>,
    options?: MapOptions<A, any>
  ): Effect.Effect<Array<A>, PoolError | InputError> {
    return this.mapMode(P.MAP, target, items, options)
  }

  /** Python's `starmap`: `target(...args)` for every argument list, results in order. */
  starmap<F extends Target.AnyFunction, A = Target.Result<F>>(
    target: Target.Target<F>,
    items: Iterable<Parameters<F>>,
    options?: MapOptions<A, any>
  ): Effect.Effect<Array<A>, PoolError | InputError> {
    return this.mapMode(P.STARMAP, target, items, options)
  }

  /** `map` as a Stream of its progress, ending with the results. */
  mapWithProgress<F extends (item: any) => any, A = Target.Result<F>>(
    target: Target.Target<F>,
    items: Iterable<Parameters<F>[0]>,
    options?: MapOptions<A, any>
  ): Stream.Stream<MapEvent<A>, PoolError | InputError> {
    return Stream.async<MapEvent<A>, PoolError | InputError>((emit) => {
      const results: Array<A> = []
      return Effect.sync(this.runChunks(P.MAP, true, false, target, items, {
        ...options,
        progress: (progress) => {
          options?.progress?.(progress)
          void emit.single({ _tag: "Progress", ...progress })
        }
      }, {
        onValues: (values) => {
          for (const value of values) results.push(value)
        },
        onEnd: (exit) =>
          void (Exit.isSuccess(exit) ? emit.single({ _tag: "Done", results }).then(() => emit.end()) : emit.halt(exit.cause))
      }))
    }, "unbounded")
  }

  /**
   * `imap` for the compat face: starts submitting now; `onValues` hears each run of
   * results, `onFailure` each failed chunk in its place (the rest go on, as
   * Python's iterator does), `onEnd` the end. Gives how to withdraw the rest.
   */
  unsafeImap<A>(
    ordered: boolean,
    target: Target.Target,
    items: Iterable<unknown>,
    options: MapOptions<A, any> | undefined,
    sink: ChunkSink<A>
  ): (stopRunning?: boolean) => void {
    return this.runChunks(P.MAP, ordered, true, target, items, options, sink)
  }

  private imapMode<A>(
    ordered: boolean,
    target: Target.Target,
    items: Iterable<unknown>,
    options: MapOptions<A, any> | undefined
  ): Stream.Stream<A, PoolError | InputError> {
    return Stream.async<A, PoolError | InputError>((emit) =>
      Effect.sync(this.runChunks(P.MAP, ordered, true, target, items, options, {
        onValues: (values) => void emit.chunk(Chunk.unsafeFromArray(values)),
        onEnd: (exit) => void (Exit.isSuccess(exit) ? emit.end() : emit.halt(exit.cause))
      })), "unbounded")
  }

  /** Python's `imap`: results in order, as they are ready; the Stream fails at the first failed chunk. */
  imap<F extends (item: any) => any, A = Target.Result<F>>(
    target: Target.Target<F>,
    items: Iterable<Parameters<F>[0]>,
    options?: MapOptions<A, any>
  ): Stream.Stream<A, PoolError | InputError> {
    return this.imapMode(true, target, items, options)
  }

  /** Python's `imap_unordered`: results as they are ready, in whatever order. */
  imapUnordered<F extends (item: any) => any, A = Target.Result<F>>(
    target: Target.Target<F>,
    items: Iterable<Parameters<F>[0]>,
    options?: MapOptions<A, any>
  ): Stream.Stream<A, PoolError | InputError> {
    return this.imapMode(false, target, items, options)
  }

  /** Python's `close`: no new tasks; the workers exit once the queued ones are done. */
  get close(): Effect.Effect<void> {
    return Effect.sync(() => this.core.close())
  }

  /** Python's `terminate`: stops the workers now; outstanding tasks fail with `Terminated`. */
  get terminate(): Effect.Effect<void> {
    return Effect.sync(() => this.core.terminate())
  }

  /** Python's `join`: waits for the workers to exit, after `close` or `terminate`. */
  get join(): Effect.Effect<void, ValueError> {
    return Effect.suspend(() =>
      this.core.state === "running"
        ? Effect.fail(new ValueError({ message: "Pool is still running: call close() or terminate() before join()" }))
        : keepingAlive(Effect.async<void>((resume) => this.core.whenGone(() => resume(Effect.void))))
    )
  }

  /** Adds `n` workers. */
  grow(n: number): Effect.Effect<void, PoolError | SerializationError> {
    return Effect.suspend((): Effect.Effect<void, PoolError | SerializationError> => {
      const refusal = this.core.refusal()
      if (refusal !== undefined) return Effect.fail(refusal)
      if (!Number.isInteger(n) || n < 1) return Effect.fail(new ValueError({ message: `grow(n) needs a whole n of at least 1, got ${n}` }))
      return Effect.mapError(this.core.grow(n), (error) => error._tag === "ProcessError" ? new ValueError({ message: error.message }) : error)
    })
  }

  /** Retires `n` workers (idle ones first); at least one stays. */
  shrink(n: number): Effect.Effect<void, ValueError> {
    return Effect.suspend(() => {
      if (!Number.isInteger(n) || n < 1 || n >= this.core.size) {
        return Effect.fail(
          new ValueError({ message: `shrink(n) needs a whole n from 1 to ${this.core.size - 1} (the pool has ${this.core.size} workers), got ${n}` })
        )
      }
      return Effect.sync(() => this.core.shrink(n))
    })
  }

  toString() {
    return `<Pool processes=${this.core.size} state=${this.core.state}>`
  }
}

markNotData(PoolImpl, "a Pool", POOL_ADVICE)
