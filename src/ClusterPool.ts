/**
 * The Pool across machines, on `@effect/cluster`: tasks are messages to the
 * cluster's entities, runners (see `ClusterRunner`) execute them in their own
 * local process pools, and the results come back here. The same calls as a
 * local `ProcessPool` — `apply`, `map`, `starmap`, `imap`, `imapUnordered` —
 * with the same targets (module exports every runner can load, or inline
 * functions carried as source after the same free-variable check) and the
 * same typed errors: a task that fails fails here with its error as it would
 * locally.
 *
 * ```ts
 * const pool = yield* ClusterPool.make({ store: "file:cluster.db", secret: Redacted.make("s3cret"), minRunners: 3 })
 * const squares = yield* pool.map((x: number) => x * x, items)
 * ```
 *
 * Delivery is at least once: a runner that dies mid-task has its calls sent
 * again to the runner that takes over its shards; the caller keeps one result
 * per call, in order. Interrupting a call cancels its tasks on the runners.
 * Guarantees, security and figures: docs/cluster.md.
 *
 * @since 0.1.0
 */
import type { Duration, Effect, Redacted, Scope, Stream } from "effect"
import { Layer } from "effect"
import type { Context } from "effect"
import type { ConfigError } from "effect/ConfigError"
import type { AuthenticationError, InputError, TimeoutError, ValueError } from "./Errors.js"
import * as internal from "./internal/cluster/pool.js"
import type { PoolError, Progress } from "./ProcessPool.js"
import type * as Target from "./Target.js"

/**
 * @since 0.1.0
 * @category symbols
 */
export const ClusterPoolTypeId: unique symbol = Symbol.for("effect-multiprocessing/ClusterPool") as never

/**
 * What one call may be given: the time limits of each task, enforced on the runner by its local pool.
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskOptions {
  /** Hard limit of each task from its start on a runner: `TimeLimitExceeded`. */
  readonly timeout?: Duration.DurationInput
  /** Soft limit: the task's `taskSignal()` is aborted, `SoftTimeLimitExceeded`. */
  readonly softTimeout?: Duration.DurationInput
}

/**
 * @since 0.1.0
 * @category models
 */
export interface MapOptions extends TaskOptions {
  /** Items per message to a runner. Maps default to about two messages per slot of `concurrency`; `imap` to 1, as Python's. */
  readonly chunksize?: number
  /** Called as chunks finish; if it throws, the map fails with that (a defect). */
  readonly progress?: (progress: Progress) => void
}

/**
 * A pool whose workers are the cluster's runners.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClusterPool {
  readonly [ClusterPoolTypeId]: typeof ClusterPoolTypeId
  /** Python's `apply`: `target(...args)` on a runner. */
  apply<F extends Target.AnyFunction>(target: Target.Target<F>, args: Parameters<F>, options?: TaskOptions): Effect.Effect<Target.Result<F>, PoolError>
  /** Python's `map`: `target(item)` for every item, results in order; it fails at the first failed chunk. */
  map<F extends (item: any) => any>(
    target: Target.Target<F>,
    items: Iterable<Parameters<F>[0]>,
    options?: MapOptions
  ): Effect.Effect<Array<Target.Result<F>>, PoolError | InputError>
  /** Python's `starmap`: `target(...args)` for every argument list, results in order. */
  starmap<F extends Target.AnyFunction>(
    target: Target.Target<F>,
    items: Iterable<Parameters<F>>,
    options?: MapOptions
  ): Effect.Effect<Array<Target.Result<F>>, PoolError | InputError>
  /** Python's `imap`: results in order as they are ready. */
  imap<F extends (item: any) => any>(
    target: Target.Target<F>,
    items: Iterable<Parameters<F>[0]>,
    options?: MapOptions
  ): Stream.Stream<Target.Result<F>, PoolError | InputError>
  /** Python's `imap_unordered`: results as their chunks finish. */
  imapUnordered<F extends (item: any) => any>(
    target: Target.Target<F>,
    items: Iterable<Parameters<F>[0]>,
    options?: MapOptions
  ): Stream.Stream<Target.Result<F>, PoolError | InputError>
  /** Python's `close`: no new calls (they fail with `ValueError`); calls under way go on. */
  readonly close: Effect.Effect<void>
  /** Python's `terminate`: no new calls, and calls under way fail with `Terminated`, their tasks cancelled on the runners. */
  readonly terminate: Effect.Effect<void>
}

/**
 * How to reach the cluster. Whatever is left out is read from the
 * environment (`EFFECT_MULTIPROCESSING_CLUSTER_STORE`, `…_SECRET`, `…_SHARDS`:
 * see docs/cluster.md).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The store: a SQLite file (`file:cluster.db`) on one machine, `postgres://…` across machines. */
  readonly store?: string
  /** The secret the runners hold. */
  readonly secret?: Redacted.Redacted<string>
  /** Shards of the pool's entity: the runners' value. */
  readonly shards?: number
  /** Wait, before the pool is ready, until this many runners are up and hold the shards between them (default 1). */
  readonly minRunners?: number
  /** How long to wait for them (default 2 minutes): `TimeoutError` after it. */
  readonly readyTimeout?: Duration.DurationInput
  /** Messages in flight at once for one call (default 64). */
  readonly concurrency?: number
}

/**
 * Why a cluster pool could not be made: its configuration, the secret
 * refused by a runner, no runners in time, or the store.
 *
 * @since 0.1.0
 * @category errors
 */
export type MakeError = ConfigError | AuthenticationError | TimeoutError | ValueError

/**
 * A pool over the cluster, connected for the current Scope: its caller's
 * sharding (client only: it serves no shards) lives until the Scope closes.
 * Ready once `minRunners` runners hold the shards and one of them accepted
 * this process's secret.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (options?: Options) => Effect.Effect<ClusterPool, MakeError, Scope.Scope> = internal.make

/**
 * A Layer that provides a cluster pool for `tag`: where an application used
 * `ProcessPool.layer(tag)`, this Layer runs the same calls on the cluster.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <I>(tag: Context.Tag<I, ClusterPool>, options?: Options): Layer.Layer<I, MakeError> =>
  Layer.scoped(tag, make(options))
