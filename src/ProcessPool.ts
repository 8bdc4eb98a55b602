/**
 * A Pool: worker processes that run tasks — Python's `multiprocessing.Pool`,
 * with billiard's reliability. Each worker has its own channel from the pool;
 * tasks are pipelined to it and batched, so a worker never waits for its next
 * task, and results come back as they finish.
 *
 * ```ts
 * const pool = yield* ProcessPool.make({ processes: 4 })
 * const squares = yield* pool.map((x: number) => x * x, [1, 2, 3]) // [1, 4, 9]
 * const one = yield* pool.apply(tasks.fetchPage, ["https://…"], { timeout: "30 seconds" })
 * ```
 *
 * Beyond CPython: a worker that dies mid-task fails that task alone, with a
 * `WorkerLostError` carrying its exit code and signal, and is replaced;
 * `timeout` and `softTimeout` limit each task from its start; workers are
 * recycled after `maxtasksperchild` tasks or past `maxMemoryPerChild` bytes;
 * workers that keep failing at start-up fail the pool with
 * `WorkerStartupError` instead of respawning forever. Interrupting a call
 * withdraws its tasks; one already running is stopped with its worker.
 *
 * Named `ProcessPool`, not `Pool`, so that it imports beside effect's own
 * `Pool` module; the compat face keeps Python's name (`Pool` from
 * `effect-multiprocessing/compat`).
 *
 * What it costs and guarantees: docs/pool.md.
 *
 * @since 0.1.0
 */
import type { Context, Duration, Effect, ParseResult, Pipeable, Schema, Scope } from "effect"
import { Layer, Predicate, Stream } from "effect"
import { dual } from "effect/Function"
import type {
  InputError,
  InvalidTargetError,
  MultiprocessingError,
  ProcessError,
  RemoteError,
  SerializationError,
  SoftTimeLimitExceeded,
  Terminated,
  TimeLimitExceeded,
  UnportableFunctionError,
  ValueError,
  WorkerLostError,
  WorkerStartupError
} from "./Errors.js"
import type { Multiprocessing, StartMethod } from "./Multiprocessing.js"
import type * as Target from "./Target.js"
import * as streams from "./internal/pool/mapStream.js"
import * as internal from "./internal/pool/pool.js"
import { TASK_SIGNAL_KEY } from "./internal/child/workerChannel.js"

/**
 * @since 0.1.0
 * @category symbols
 */
export const PoolTypeId: unique symbol = Symbol.for("effect-multiprocessing/Pool") as never

/**
 * Worker processes that run tasks. Every call that takes a target takes an
 * inline function (carried to the workers as source text) or a module export.
 *
 * @since 0.1.0
 * @category models
 */
export interface Pool extends Pipeable.Pipeable {
  readonly [PoolTypeId]: typeof PoolTypeId
  /** How many workers the pool keeps. */
  readonly processes: number
  /** The pids of the workers serving now. */
  readonly pids: ReadonlyArray<number>
  /**
   * Python's `apply`: `target(...args)` in a worker. Interrupting it withdraws the task, or stops it running.
   * With an `input` Schema (of the whole argument list, a tuple), `args` are its Type and the target takes its Encoded form.
   */
  apply<F extends Target.AnyFunction, A = Target.Result<F>>(
    target: Target.Target<F>,
    args: Parameters<F>,
    options?: TaskOptions<A, any> & NoInput
  ): Effect.Effect<A, PoolError>
  apply<F extends Target.AnyFunction, S extends Schema.Schema.AnyNoContext, A = Target.Result<F>>(
    target: Target.Target<F>,
    args: InputOf<S, Readonly<Parameters<F>>>,
    options: TaskOptions<A, any> & { readonly input: S }
  ): Effect.Effect<A, PoolError>
  /** Python's `map`: `target(item)` for every item, results in order; it fails at the first failed chunk. */
  map<F extends (item: any) => any, A = Target.Result<F>>(
    target: Target.Target<F>,
    items: Iterable<Parameters<F>[0]>,
    options?: MapOptions<A, any> & NoInput
  ): Effect.Effect<Array<A>, PoolError | InputError>
  map<F extends (item: any) => any, S extends Schema.Schema.AnyNoContext, A = Target.Result<F>>(
    target: Target.Target<F>,
    items: Iterable<InputOf<S, Parameters<F>[0]>>,
    options: MapOptions<A, any> & { readonly input: S }
  ): Effect.Effect<Array<A>, PoolError | InputError>
  /** Python's `starmap`: `target(...args)` for every argument list, results in order. */
  starmap<F extends Target.AnyFunction, A = Target.Result<F>>(
    target: Target.Target<F>,
    items: Iterable<Parameters<F>>,
    options?: MapOptions<A, any> & NoInput
  ): Effect.Effect<Array<A>, PoolError | InputError>
  starmap<F extends Target.AnyFunction, S extends Schema.Schema.AnyNoContext, A = Target.Result<F>>(
    target: Target.Target<F>,
    items: Iterable<InputOf<S, Readonly<Parameters<F>>>>,
    options: MapOptions<A, any> & { readonly input: S }
  ): Effect.Effect<Array<A>, PoolError | InputError>
  /** `map` as a Stream of its progress, ending with the results. */
  mapWithProgress<F extends (item: any) => any, A = Target.Result<F>>(
    target: Target.Target<F>,
    items: Iterable<Parameters<F>[0]>,
    options?: MapOptions<A, any> & NoInput
  ): Stream.Stream<MapEvent<A>, PoolError | InputError>
  mapWithProgress<F extends (item: any) => any, S extends Schema.Schema.AnyNoContext, A = Target.Result<F>>(
    target: Target.Target<F>,
    items: Iterable<InputOf<S, Parameters<F>[0]>>,
    options: MapOptions<A, any> & { readonly input: S }
  ): Stream.Stream<MapEvent<A>, PoolError | InputError>
  /** Python's `imap`: results in order, as they are ready; the Stream fails at the first failed chunk. */
  imap<F extends (item: any) => any, A = Target.Result<F>>(
    target: Target.Target<F>,
    items: Iterable<Parameters<F>[0]>,
    options?: MapOptions<A, any> & NoInput
  ): Stream.Stream<A, PoolError | InputError>
  imap<F extends (item: any) => any, S extends Schema.Schema.AnyNoContext, A = Target.Result<F>>(
    target: Target.Target<F>,
    items: Iterable<InputOf<S, Parameters<F>[0]>>,
    options: MapOptions<A, any> & { readonly input: S }
  ): Stream.Stream<A, PoolError | InputError>
  /** Python's `imap_unordered`: results as they are ready, in whatever order. */
  imapUnordered<F extends (item: any) => any, A = Target.Result<F>>(
    target: Target.Target<F>,
    items: Iterable<Parameters<F>[0]>,
    options?: MapOptions<A, any> & NoInput
  ): Stream.Stream<A, PoolError | InputError>
  imapUnordered<F extends (item: any) => any, S extends Schema.Schema.AnyNoContext, A = Target.Result<F>>(
    target: Target.Target<F>,
    items: Iterable<InputOf<S, Parameters<F>[0]>>,
    options: MapOptions<A, any> & { readonly input: S }
  ): Stream.Stream<A, PoolError | InputError>
  /** Python's `close`: no new tasks; the workers exit once the queued ones are done. */
  readonly close: Effect.Effect<void>
  /** Python's `terminate`: stops the workers now; outstanding tasks fail with `Terminated`. */
  readonly terminate: Effect.Effect<void>
  /** Python's `join`: waits for the workers to exit; `ValueError` unless `close` or `terminate` came first. */
  readonly join: Effect.Effect<void, ValueError>
  /** Adds `n` workers. */
  grow(n: number): Effect.Effect<void, PoolError | SerializationError>
  /** Retires `n` workers (idle ones first; they finish what they were sent); at least one stays. */
  shrink(n: number): Effect.Effect<void, ValueError>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** How many workers; default: the number of CPUs. At least 1. */
  readonly processes?: number
  /** Runs in each worker before its first task (an inline function or a module export). */
  readonly initializer?: Target.Target
  readonly initargs?: ReadonlyArray<unknown>
  /** A worker is replaced after this many tasks (Python's `maxtasksperchild`). */
  readonly maxtasksperchild?: number
  /** A worker is replaced after a task that leaves it above this many bytes of resident memory (billiard's `max_memory_per_child`). */
  readonly maxMemoryPerChild?: number
  /** Default hard time limit of every task (see `TaskOptions.timeout`). */
  readonly timeout?: Duration.DurationInput
  /** Default soft time limit of every task (see `TaskOptions.softTimeout`). */
  readonly softTimeout?: Duration.DurationInput
  /** Node flags for the workers, e.g. `["--max-old-space-size=256"]`. */
  readonly execArgv?: ReadonlyArray<string>
  /** How workers start (`"thread"`: worker threads of this process, Python's `ThreadPool`); defaults to the start method set for the process. */
  readonly startMethod?: StartMethod
}

/**
 * What one task of `apply` or of a map may be given.
 *
 * @since 0.1.0
 * @category models
 */
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

/**
 * Options without an `input` Schema: the form whose arguments are the
 * target's own parameters (with one, see `InputOf`).
 *
 * @since 0.1.0
 * @category models
 */
export interface NoInput {
  readonly input?: undefined
}

/**
 * What a call takes when an `input` Schema encodes it before it travels: the
 * Schema's Type, provided its Encoded form is what the target takes
 * (`Expected`); otherwise a type that names the mismatch. `apply`'s and
 * `starmap`'s Schema is of a whole argument list (a tuple:
 * `Schema.Tuple(Schema.Date)` for a target `(iso: string) => …`); `map`'s,
 * `imap`'s and `mapStream`'s of one item (`Schema.Date`).
 *
 * @since 0.1.0
 * @category models
 */
export type InputOf<S extends Schema.Schema.AnyNoContext, Expected> = [Schema.Schema.Encoded<S>] extends [Expected]
  ? Schema.Schema.Type<S>
  : { readonly "the input Schema's Encoded type is not what the target takes": Schema.Schema.Encoded<S> }

/**
 * @since 0.1.0
 * @category models
 */
export interface MapOptions<A = unknown, I = unknown> extends TaskOptions<A, I> {
  /** Items per task. Maps default to Python's choice (about four tasks per worker); `imap` to 1. */
  readonly chunksize?: number
  /** Called as chunks finish; if it throws, the map fails with that (a defect). */
  readonly progress?: (progress: Progress) => void
}

/**
 * How `mapStream` batches a Stream's elements into tasks.
 *
 * @since 0.1.0
 * @category models
 */
export interface MapStreamOptions<A = unknown, I = unknown> extends TaskOptions<A, I> {
  /** Elements per task (default 128): raise it for tiny elements, lower it for costly ones. */
  readonly chunksize?: number
  /** Tasks in flight at once (default four per worker): what bounds the elements read ahead. */
  readonly concurrency?: number
  /**
   * A chunk not yet full goes after this long, so a slow source is not held
   * back. Without it a chunk waits until it is full or the Stream ends, as
   * Python's `imap` reads `chunksize` items before it sends them (cheaper: a
   * time window costs a timer per chunk).
   */
  readonly maxWait?: Duration.DurationInput
}

/**
 * How far a map has come: items done out of all of them.
 *
 * @since 0.1.0
 * @category models
 */
export interface Progress {
  readonly done: number
  readonly total: number
}

/**
 * A map's events, for a progress display: progress as chunks finish, then the results.
 *
 * @since 0.1.0
 * @category models
 */
export type MapEvent<B> =
  | { readonly _tag: "Progress"; readonly done: number; readonly total: number }
  | { readonly _tag: "Done"; readonly results: ReadonlyArray<B> }

/**
 * A task's failure, as its caller sees it (what it raised: a library error as itself, anything else a `RemoteError`).
 *
 * @since 0.1.0
 * @category errors
 */
export type TaskError =
  | RemoteError
  | MultiprocessingError
  | WorkerLostError
  | TimeLimitExceeded
  | SoftTimeLimitExceeded
  | WorkerStartupError
  | Terminated
  | SerializationError
  | InvalidTargetError
  | ValueError

/**
 * What a call on a pool can fail with: its task's failure (`RemoteError` …), or why it could not run.
 *
 * @since 0.1.0
 * @category errors
 */
export type PoolError = TaskError | UnportableFunctionError | ParseResult.ParseError

/**
 * Why a pool could not be made.
 *
 * @since 0.1.0
 * @category errors
 */
export type MakeError = ValueError | UnportableFunctionError | InvalidTargetError | SerializationError | ProcessError

/**
 * Starts a pool's workers, owned by no Scope: `terminate` and `join` it
 * yourself (see `make`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeUnscoped: (options?: Options) => Effect.Effect<Pool, MakeError, Multiprocessing> = internal.make

/**
 * A pool owned by the current Scope: closing it terminates the workers
 * (outstanding tasks fail with `Terminated`) and waits for them to exit, as
 * leaving Python's `with Pool() as pool:` does.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (options?: Options) => Effect.Effect<Pool, MakeError, Multiprocessing | Scope.Scope> = internal.makeScoped

/**
 * A Layer that provides a pool for `tag`, as `@effect/platform`'s
 * `Worker.makePoolLayer` does: the pool starts when the Layer is built and is
 * terminated (its workers waited for) when the Layer's scope closes, so an
 * application makes one pool and its services depend on the tag.
 *
 * ```ts
 * class Workers extends Context.Tag("Workers")<Workers, ProcessPool.Pool>() {}
 * const WorkersLive = ProcessPool.layer(Workers, { processes: 4 })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <I>(tag: Context.Tag<I, Pool>, options?: Options): Layer.Layer<I, MakeError, Multiprocessing> =>
  Layer.scoped(tag, internal.makeScoped(options))

/**
 * The AbortSignal of the task running in this worker: aborted when its soft
 * time limit passes or its caller withdraws it. Take it at the start of the
 * task. Outside a pool worker, a signal that never aborts.
 *
 * @since 0.1.0
 * @category utils
 */
export const taskSignal = (): AbortSignal => {
  const current = (globalThis as Record<symbol, (() => AbortSignal) | undefined>)[TASK_SIGNAL_KEY]
  return current === undefined ? new AbortController().signal : current()
}

/**
 * Whether `u` is a Pool.
 *
 * @since 0.1.0
 * @category guards
 */
export const isPool = (u: unknown): u is Pool => Predicate.hasProperty(u, PoolTypeId)

/**
 * `pool.apply` as a function: `ProcessPool.apply(pool, f, args)` or `pool.pipe(ProcessPool.apply(f, args))`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const apply: {
  <F extends Target.AnyFunction, A = Target.Result<F>>(
    target: Target.Target<F>,
    args: Parameters<F>,
    options?: TaskOptions<A, any> & NoInput
  ): (self: Pool) => Effect.Effect<A, PoolError>
  <F extends Target.AnyFunction, S extends Schema.Schema.AnyNoContext, A = Target.Result<F>>(
    target: Target.Target<F>,
    args: InputOf<S, Readonly<Parameters<F>>>,
    options: TaskOptions<A, any> & { readonly input: S }
  ): (self: Pool) => Effect.Effect<A, PoolError>
  <F extends Target.AnyFunction, A = Target.Result<F>>(
    self: Pool,
    target: Target.Target<F>,
    args: Parameters<F>,
    options?: TaskOptions<A, any> & NoInput
  ): Effect.Effect<A, PoolError>
  <F extends Target.AnyFunction, S extends Schema.Schema.AnyNoContext, A = Target.Result<F>>(
    self: Pool,
    target: Target.Target<F>,
    args: InputOf<S, Readonly<Parameters<F>>>,
    options: TaskOptions<A, any> & { readonly input: S }
  ): Effect.Effect<A, PoolError>
} = dual(
  (args) => isPool(args[0]),
  (self: Pool, target: Target.Target, args: Array<unknown>, options?: TaskOptions<any, any>) => self.apply(target, args as never, options as never)
)

/**
 * `pool.map` as a function: `ProcessPool.map(pool, f, items)` or `pool.pipe(ProcessPool.map(f, items))`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const map: {
  <F extends (item: any) => any, A = Target.Result<F>>(
    target: Target.Target<F>,
    items: Iterable<Parameters<F>[0]>,
    options?: MapOptions<A, any> & NoInput
  ): (self: Pool) => Effect.Effect<Array<A>, PoolError | InputError>
  <F extends (item: any) => any, S extends Schema.Schema.AnyNoContext, A = Target.Result<F>>(
    target: Target.Target<F>,
    items: Iterable<InputOf<S, Parameters<F>[0]>>,
    options: MapOptions<A, any> & { readonly input: S }
  ): (self: Pool) => Effect.Effect<Array<A>, PoolError | InputError>
  <F extends (item: any) => any, A = Target.Result<F>>(
    self: Pool,
    target: Target.Target<F>,
    items: Iterable<Parameters<F>[0]>,
    options?: MapOptions<A, any> & NoInput
  ): Effect.Effect<Array<A>, PoolError | InputError>
  <F extends (item: any) => any, S extends Schema.Schema.AnyNoContext, A = Target.Result<F>>(
    self: Pool,
    target: Target.Target<F>,
    items: Iterable<InputOf<S, Parameters<F>[0]>>,
    options: MapOptions<A, any> & { readonly input: S }
  ): Effect.Effect<Array<A>, PoolError | InputError>
} = dual(
  (args) => isPool(args[0]),
  (self: Pool, target: Target.Target<(item: any) => any>, items: Iterable<unknown>, options?: MapOptions<any, any>) =>
    self.map(target, items as never, options as never)
)

/**
 * `pool.starmap` as a function: `ProcessPool.starmap(pool, f, argLists)` or `pool.pipe(ProcessPool.starmap(f, argLists))`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const starmap: {
  <F extends Target.AnyFunction, A = Target.Result<F>>(
    target: Target.Target<F>,
    items: Iterable<Parameters<F>>,
    options?: MapOptions<A, any> & NoInput
  ): (self: Pool) => Effect.Effect<Array<A>, PoolError | InputError>
  <F extends Target.AnyFunction, S extends Schema.Schema.AnyNoContext, A = Target.Result<F>>(
    target: Target.Target<F>,
    items: Iterable<InputOf<S, Readonly<Parameters<F>>>>,
    options: MapOptions<A, any> & { readonly input: S }
  ): (self: Pool) => Effect.Effect<Array<A>, PoolError | InputError>
  <F extends Target.AnyFunction, A = Target.Result<F>>(
    self: Pool,
    target: Target.Target<F>,
    items: Iterable<Parameters<F>>,
    options?: MapOptions<A, any> & NoInput
  ): Effect.Effect<Array<A>, PoolError | InputError>
  <F extends Target.AnyFunction, S extends Schema.Schema.AnyNoContext, A = Target.Result<F>>(
    self: Pool,
    target: Target.Target<F>,
    items: Iterable<InputOf<S, Readonly<Parameters<F>>>>,
    options: MapOptions<A, any> & { readonly input: S }
  ): Effect.Effect<Array<A>, PoolError | InputError>
} = dual(
  (args) => isPool(args[0]),
  (self: Pool, target: Target.Target, items: Iterable<Array<unknown>>, options?: MapOptions<any, any>) =>
    self.starmap(target, items as never, options as never)
)

/** The shape of `imap` and `imapUnordered`: a target and its items to a Stream of results (the items Schema-encoded with `input`). */
type ItemsToStream = {
  <F extends (item: any) => any, A = Target.Result<F>>(
    target: Target.Target<F>,
    items: Iterable<Parameters<F>[0]>,
    options?: MapOptions<A, any> & NoInput
  ): (self: Pool) => Stream.Stream<A, PoolError | InputError>
  <F extends (item: any) => any, S extends Schema.Schema.AnyNoContext, A = Target.Result<F>>(
    target: Target.Target<F>,
    items: Iterable<InputOf<S, Parameters<F>[0]>>,
    options: MapOptions<A, any> & { readonly input: S }
  ): (self: Pool) => Stream.Stream<A, PoolError | InputError>
  <F extends (item: any) => any, A = Target.Result<F>>(
    self: Pool,
    target: Target.Target<F>,
    items: Iterable<Parameters<F>[0]>,
    options?: MapOptions<A, any> & NoInput
  ): Stream.Stream<A, PoolError | InputError>
  <F extends (item: any) => any, S extends Schema.Schema.AnyNoContext, A = Target.Result<F>>(
    self: Pool,
    target: Target.Target<F>,
    items: Iterable<InputOf<S, Parameters<F>[0]>>,
    options: MapOptions<A, any> & { readonly input: S }
  ): Stream.Stream<A, PoolError | InputError>
}

/** The shape of `mapStream` and `mapStreamUnordered`: a Stream through a pool's target. */
type ThroughThePool = {
  <F extends (item: any) => any, A = Target.Result<F>>(
    pool: Pool,
    target: Target.Target<F>,
    options?: MapStreamOptions<A, any> & NoInput
  ): <E, R>(self: Stream.Stream<Parameters<F>[0], E, R>) => Stream.Stream<A, E | PoolError, R>
  <F extends (item: any) => any, S extends Schema.Schema.AnyNoContext, A = Target.Result<F>>(
    pool: Pool,
    target: Target.Target<F>,
    options: MapStreamOptions<A, any> & { readonly input: S }
  ): <E, R>(self: Stream.Stream<InputOf<S, Parameters<F>[0]>, E, R>) => Stream.Stream<A, E | PoolError, R>
  <F extends (item: any) => any, E, R, A = Target.Result<F>>(
    self: Stream.Stream<Parameters<F>[0], E, R>,
    pool: Pool,
    target: Target.Target<F>,
    options?: MapStreamOptions<A, any> & NoInput
  ): Stream.Stream<A, E | PoolError, R>
  <F extends (item: any) => any, S extends Schema.Schema.AnyNoContext, E, R, A = Target.Result<F>>(
    self: Stream.Stream<InputOf<S, Parameters<F>[0]>, E, R>,
    pool: Pool,
    target: Target.Target<F>,
    options: MapStreamOptions<A, any> & { readonly input: S }
  ): Stream.Stream<A, E | PoolError, R>
}

/**
 * `pool.imap` as a function: `ProcessPool.imap(pool, f, items)` or `pool.pipe(ProcessPool.imap(f, items))`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const imap: ItemsToStream = dual(
  (args) => isPool(args[0]),
  (self: Pool, target: Target.Target<(item: any) => any>, items: Iterable<unknown>, options?: MapOptions<any, any>) =>
    self.imap(target, items as never, options as never)
)

/**
 * `pool.imapUnordered` as a function: `ProcessPool.imapUnordered(pool, f, items)` or `pool.pipe(ProcessPool.imapUnordered(f, items))`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const imapUnordered: ItemsToStream = dual(
  (args) => isPool(args[0]),
  (self: Pool, target: Target.Target<(item: any) => any>, items: Iterable<unknown>, options?: MapOptions<any, any>) =>
    self.imapUnordered(target, items as never, options as never)
)

const isStream = (u: unknown): u is Stream.Stream<unknown, unknown, unknown> => Predicate.hasProperty(u, Stream.StreamTypeId)

/**
 * A Stream through the pool: `target(element)` for every element, results in
 * the elements' order. Elements are gathered into chunks of `chunksize`, each
 * chunk one task, with at most `concurrency` tasks in flight, so the source
 * is read only as far ahead as that. Far faster than `Stream.mapEffect` with
 * `pool.apply` per element, which pays a round trip and a task for each one.
 *
 * ```ts
 * const lengths = Stream.fromIterable(words).pipe(ProcessPool.mapStream(pool, (w: string) => w.length, { chunksize: 500 }))
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const mapStream: ThroughThePool = dual(
  (args) => isStream(args[0]),
  <In, E, R>(self: Stream.Stream<In, E, R>, pool: Pool, target: Target.Target, options?: MapStreamOptions<any, any>) =>
    streams.mapStream(self, pool, target, options, false)
)

/**
 * `mapStream` giving results as their chunks finish, in whatever order: a
 * slow chunk does not hold back the ones after it.
 *
 * @since 0.1.0
 * @category combinators
 */
export const mapStreamUnordered: ThroughThePool = dual(
  (args) => isStream(args[0]),
  <In, E, R>(self: Stream.Stream<In, E, R>, pool: Pool, target: Target.Target, options?: MapStreamOptions<any, any>) =>
    streams.mapStream(self, pool, target, options, true)
)
