/**
 * A pool's operations over its scheduler (`poolCore.ts`): arguments encoded
 * (with a Schema when given), inputs cut into chunks, results decoded and put
 * back in order. Each operation exists as an Effect, and as an `unsafe`
 * callback form that the compat face uses on its per-task path.
 */
import { Cause, Chunk, Duration, Effect, Either, Exit, type ParseResult, Schema, Stream } from "effect"
import { InputError, SerializationError, ValueError } from "../Errors.js"
import type { InvalidTargetError, UnportableFunctionError, WorkerStartupError } from "../Errors.js"
import type * as Target from "../Target.js"
import { decode, encode } from "./codec.js"
import { keepingAlive } from "./keepAlive.js"
import { type PoolCore, type PoolFunction, type Task, type TaskError, type TaskLimits, type TaskOutcome } from "./poolCore.js"
import * as P from "./poolProtocol.js"

export const PoolTypeId: unique symbol = Symbol.for("effect-multiprocessing/Pool")

/** What a task can fail with, besides the task's own failure (`RemoteError`). */
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
  /** Encodes the arguments (for `apply`, the argument list; for maps, one item) before they travel. */
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
  /** Called as chunks finish. */
  readonly progress?: (progress: Progress) => void
}

/** A map's events, for a progress display: progress as chunks finish, then the results. */
export type MapEvent<B> =
  | { readonly _tag: "Progress"; readonly done: number; readonly total: number }
  | { readonly _tag: "Done"; readonly results: ReadonlyArray<B> }

const toMillis = (duration: Duration.DurationInput | undefined): number | undefined =>
  duration === undefined ? undefined : Math.max(1, Math.ceil(Duration.toMillis(Duration.decode(duration))))

const limitsOf = (options: TaskOptions<any, any> | undefined): TaskLimits =>
  options === undefined ? {} : { timeoutMs: toMillis(options.timeout), softTimeoutMs: toMillis(options.softTimeout) }

/** Input read into chunks; `error` is what the iterable threw, after the items before it. */
interface Chunks {
  readonly chunks: Array<Array<unknown>>
  readonly total: number
  readonly error: InputError | undefined
}

interface PreparedMap extends Chunks {
  readonly fn: PoolFunction
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
      error = new InputError({ message: `the input of the map threw after ${read.length} items: ${String(cause)}`, cause })
    }
    all = read
  }
  let size = chunksize
  if (size === undefined) {
    // Python's: divmod(len(iterable), len(pool) * 4), rounded up.
    size = Math.ceil(all.length / (processes * 4)) || 1
  }
  // Python cuts chunks as it reads: when the input breaks, an unfinished chunk is never sent.
  const whole = error === undefined ? all.length : all.length - (all.length % size)
  const chunks: Array<Array<unknown>> = []
  for (let i = 0; i < whole; i += size) chunks.push(all.slice(i, i + size))
  return { chunks, total: whole, error }
}

const encodePayload = (value: unknown, fn: PoolFunction): Effect.Effect<Uint8Array, SerializationError> =>
  Effect.try({
    try: () => encode(value),
    catch: (error) =>
      new SerializationError({
        message: `the arguments of ${fn.name} cannot be sent to a worker: ${(error as Error).message.replace(/\.$/, "")}. ` +
          "Arguments must be data (objects, arrays, Map, Set, Date, typed arrays, Errors …), not functions, symbols or handles."
      })
  })

const decodeValue = (bytes: Buffer, fn: PoolFunction): Effect.Effect<unknown, SerializationError> =>
  Effect.try({
    try: () => decode(bytes),
    catch: (error) => new SerializationError({ message: `the result of ${fn.name} could not be read: ${(error as Error).message}` })
  })

const checkChunksize = (chunksize: number | undefined): Effect.Effect<void, ValueError> =>
  chunksize !== undefined && !(Number.isInteger(chunksize) && chunksize >= 1)
    ? Effect.fail(new ValueError({ message: `chunksize must be a whole number of at least 1, got ${chunksize}` }))
    : Effect.void

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

  /** One task, settled through `resume`; interrupting the wait cancels it. */
  private run(fn: PoolFunction, mode: number, payload: Uint8Array, limits: TaskLimits): Effect.Effect<Buffer, TaskError> {
    return Effect.async<Buffer, TaskError>((resume) => {
      const task = this.core.submit(fn, mode, payload, limits, (outcome) =>
        resume(outcome.ok ? Effect.succeed(outcome.value) : Effect.fail(outcome.error)))
      return Effect.sync(() => this.core.cancel([task]))
    })
  }

  private encodeInput<I>(value: unknown, options: TaskOptions<any, I> | undefined): Effect.Effect<unknown, ParseResult.ParseError> {
    return options?.input === undefined ? Effect.succeed(value) : Schema.encodeUnknown(options.input)(value)
  }

  private decodeOutput<A>(value: unknown, options: TaskOptions<A, any> | undefined): Effect.Effect<A, ParseResult.ParseError> {
    return options?.output === undefined ? Effect.succeed(value as A) : Schema.decodeUnknown(options.output)(value)
  }

  /** Python's `apply`: `target(...args)` in a worker. */
  apply<F extends Target.AnyFunction, A = Target.Result<F>>(
    target: Target.Target<F>,
    args: Parameters<F>,
    options?: TaskOptions<A, any>
  ): Effect.Effect<A, PoolError> {
    return Effect.gen(this, function*() {
      const fn = yield* this.ready(target)
      const payload = yield* encodePayload(yield* this.encodeInput(args, options), fn)
      const bytes = yield* this.run(fn, P.APPLY, payload, limitsOf(options))
      return yield* this.decodeOutput(yield* decodeValue(bytes, fn), options)
    })
  }

  /**
   * `apply` for the compat face: the task is queued now, `onExit` called once
   * when it settles. A failure before queuing (a closed pool, a function that
   * cannot travel, arguments that cannot) is reported through `onExit` too.
   * The returned function withdraws the task.
   */
  unsafeApply(
    target: Target.Target,
    args: ReadonlyArray<unknown>,
    options: TaskOptions<any, any> | undefined,
    onExit: (exit: Exit.Exit<unknown, PoolError>) => void
  ): () => void {
    const refusal = this.core.refusal()
    if (refusal !== undefined) {
      onExit(Exit.fail(refusal))
      return () => {}
    }
    const known = this.core.knownFunction(target)
    const prepared = known !== undefined && options?.input === undefined
      ? tryEncode(args, known)
      : Effect.runSyncExit(Effect.flatMap(this.ready(target), (fn) =>
        Effect.map(Effect.flatMap(this.encodeInput(args, options), (value) => encodePayload(value, fn)), (payload) => ({ fn, payload }))))
    if (Exit.isFailure(prepared)) {
      onExit(prepared)
      return () => {}
    }
    const { fn, payload } = prepared.value
    const task = this.core.submit(fn, P.APPLY, payload, limitsOf(options), (outcome) => {
      if (!outcome.ok) return onExit(Exit.fail(outcome.error))
      if (options?.output === undefined) {
        let value: unknown
        try {
          value = decode(outcome.value)
        } catch (error) {
          return onExit(Exit.fail(new SerializationError({ message: `the result of ${fn.name} could not be read: ${(error as Error).message}` })))
        }
        return onExit(Exit.succeed(value))
      }
      onExit(Effect.runSyncExit(Effect.flatMap(decodeValue(outcome.value, fn), (value) => this.decodeOutput(value, options))))
    })
    return () => this.core.cancel([task])
  }

  /**
   * Encodes and submits the chunks of a map one by one, so that the first
   * workers start while the rest are encoded; calls `onChunk` with each
   * chunk's index and outcome as it settles. Gives how to withdraw what is
   * outstanding, or the failure to encode a chunk (then nothing stays submitted).
   */
  private submitChunks(
    { chunks, fn }: PreparedMap,
    mode: number,
    options: MapOptions<any, any> | undefined,
    onChunk: (index: number, outcome: TaskOutcome) => void
  ): Either.Either<() => void, PoolError> {
    const limits = limitsOf(options)
    const tasks: Array<Task> = []
    let cancelled = false
    const cancel = () => {
      cancelled = true
      this.core.cancel(tasks)
    }
    // A chunk may settle while the next is submitted (a failure cancels the rest): stop there.
    for (let index = 0; index < chunks.length && !cancelled; index++) {
      const chunk = chunks[index]
      const payload = options?.input === undefined
        ? Effect.runSyncExit(encodePayload(chunk, fn))
        : Effect.runSyncExit(Effect.flatMap(Effect.forEach(chunk, (item) => this.encodeInput(item, options)), (encoded) => encodePayload(encoded, fn)))
      if (Exit.isFailure(payload)) {
        cancel()
        return Either.left(Cause.squash(payload.cause) as PoolError)
      }
      tasks.push(this.core.submit(fn, mode, payload.value, limits, (outcome) => onChunk(index, outcome)))
    }
    return Either.right(cancel)
  }

  /** Reads and chunks the input of a map. */
  private prepareMap(
    target: Target.Target,
    items: Iterable<unknown>,
    options: MapOptions<any, any> | undefined,
    defaultChunksize: number | undefined
  ): Effect.Effect<PreparedMap, PoolError> {
    return Effect.gen(this, function*() {
      yield* checkChunksize(options?.chunksize)
      const fn = yield* this.ready(target)
      return { fn, ...readChunks(items, options?.chunksize ?? defaultChunksize, this.core.size) }
    })
  }

  private mapMode<A>(
    mode: number,
    target: Target.Target,
    items: Iterable<unknown>,
    options: MapOptions<A, any> | undefined,
    onProgress?: (progress: Progress) => void
  ): Effect.Effect<Array<A>, PoolError | InputError> {
    return Effect.gen(this, function*() {
      const prepared = yield* this.prepareMap(target, items, options, undefined)
      const { chunks, error: inputError, fn, total } = prepared
      const offsets: Array<number> = []
      chunks.reduce((at, chunk) => (offsets.push(at), at + chunk.length), 0)
      const raw: Array<unknown> = new Array(total)
      if (chunks.length > 0) {
        yield* Effect.async<void, PoolError>((resume) => {
          let remaining = chunks.length
          let done = 0
          let failed = false
          const submitted = this.submitChunks(prepared, mode, options, (index, outcome) => {
            if (failed) return
            const values = outcome.ok ? Effect.runSyncExit(decodeValue(outcome.value, fn)) : Exit.fail(outcome.error)
            if (Exit.isFailure(values)) {
              failed = true
              cancel()
              return resume(values)
            }
            const chunk = values.value as Array<unknown>
            for (let i = 0; i < chunk.length; i++) raw[offsets[index] + i] = chunk[i]
            done += chunk.length
            options?.progress?.({ done, total })
            onProgress?.({ done, total })
            if (--remaining === 0) resume(Effect.void)
          })
          if (Either.isLeft(submitted)) return resume(Effect.fail(submitted.left))
          const cancel = submitted.right
          return Effect.sync(cancel)
        })
      }
      if (inputError !== undefined) return yield* inputError
      return options?.output === undefined
        ? raw as Array<A>
        : yield* Effect.forEach(raw, (value) => this.decodeOutput(value, options))
    })
  }

  /** Python's `map`: `target(item)` for every item, results in order. */
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
    return Stream.asyncScoped<MapEvent<A>, PoolError | InputError>((emit) =>
      Effect.forkScoped(
        this.mapMode<A>(P.MAP, target, items, options, (progress) => void emit.single({ _tag: "Progress", ...progress })).pipe(
          Effect.matchEffect({
            onFailure: (error) => Effect.promise(() => emit.fail(error)),
            onSuccess: (results) => Effect.promise(() => emit.single({ _tag: "Done", results }).then(() => emit.end()))
          })
        )
      ), "unbounded")
  }

  /**
   * `imap`'s work, with callbacks: prepares and submits now, then calls
   * `onValues` with each run of results (in order, or as they come when not
   * `ordered`) and `onEnd` once. Gives how to withdraw what is outstanding.
   */
  unsafeImap<A>(
    ordered: boolean,
    target: Target.Target,
    items: Iterable<unknown>,
    options: MapOptions<A, any> | undefined,
    onValues: (values: Array<A>) => void,
    onEnd: (exit: Exit.Exit<void, PoolError | InputError>) => void
  ): () => void {
    const preparation = Effect.runSyncExit(this.prepareMap(target, items, options, 1))
    if (Exit.isFailure(preparation)) {
      onEnd(preparation)
      return () => {}
    }
    const prepared = preparation.value
    const { chunks, error: inputError, total } = prepared
    const end = () => onEnd(inputError !== undefined ? Exit.fail(inputError) : Exit.void)
    if (chunks.length === 0) {
      end()
      return () => {}
    }
    const arrived = new Map<number, Array<unknown>>()
    let next = 0
    let done = 0
    let failed = false
    let cancel = () => {}
    const fail = (exit: Exit.Failure<unknown, PoolError>) => {
      failed = true
      cancel()
      onEnd(Exit.failCause(exit.cause))
    }
    const deliver = (values: Array<unknown>) => {
      done += values.length
      options?.progress?.({ done, total })
      if (options?.output === undefined) return onValues(values as Array<A>)
      const decoded = Effect.runSyncExit(Effect.forEach(values, (value) => this.decodeOutput(value, options)))
      if (Exit.isFailure(decoded)) return fail(decoded)
      onValues(decoded.value)
    }
    const submitted = this.submitChunks(prepared, P.MAP, options, (index, outcome) => {
      if (failed) return
      const values = outcome.ok ? Effect.runSyncExit(decodeValue(outcome.value, prepared.fn)) : Exit.fail(outcome.error)
      if (Exit.isFailure(values)) return fail(values)
      if (ordered) {
        arrived.set(index, values.value as Array<unknown>)
        while (!failed && arrived.has(next)) {
          const chunk = arrived.get(next)!
          arrived.delete(next++)
          deliver(chunk)
        }
      } else {
        next++
        deliver(values.value as Array<unknown>)
      }
      if (!failed && next === chunks.length) end()
    })
    if (Either.isLeft(submitted)) {
      onEnd(Exit.fail(submitted.left))
      return () => {}
    }
    cancel = submitted.right
    return () => cancel()
  }

  private imapMode<A>(
    ordered: boolean,
    target: Target.Target,
    items: Iterable<unknown>,
    options: MapOptions<A, any> | undefined
  ): Stream.Stream<A, PoolError | InputError> {
    return Stream.async<A, PoolError | InputError>((emit) => {
      const cancel = this.unsafeImap(
        ordered,
        target,
        items,
        options,
        (values) => void emit.chunk(Chunk.unsafeFromArray(values)),
        (exit) => void (Exit.isSuccess(exit) ? emit.end() : emit.halt(exit.cause))
      )
      return Effect.sync(cancel)
    }, "unbounded")
  }

  /** Python's `imap`: results in order, as they are ready. */
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
        return Effect.fail(new ValueError({ message: `shrink(n) needs a whole n from 1 to ${this.core.size - 1} (the pool has ${this.core.size} workers), got ${n}` }))
      }
      return Effect.sync(() => this.core.shrink(n))
    })
  }

  toString() {
    return `<Pool processes=${this.core.size} state=${this.core.state}>`
  }
}

const tryEncode = (args: ReadonlyArray<unknown>, fn: PoolFunction): Exit.Exit<{ fn: PoolFunction; payload: Uint8Array }, SerializationError> => {
  try {
    return Exit.succeed({ fn, payload: encode(args) })
  } catch {
    return Effect.runSyncExit(Effect.map(encodePayload(args, fn), (payload) => ({ fn, payload })))
  }
}
