/**
 * The cluster pool for plain TypeScript: `Pool` of
 * `effect-multiprocessing/compat` with the cluster's runners as its workers.
 * Timeouts are seconds; errors are the library's `Error` classes.
 *
 * ```ts
 * await using pool = new Pool({ store: "file:cluster.db", secret: "s3cret", minRunners: 3 })
 * console.log(await pool.map((x: number) => x * x, [1, 2, 3])) // [1, 4, 9]
 * ```
 *
 * A translation of `ClusterPool` of the Effect face; it decides nothing.
 */
import { Cause, Effect, Exit, Redacted, Runtime, Scope, Stream } from "effect"
import * as ClusterPool from "../ClusterPool.js"
import { ValueError } from "../Errors.js"
import type { Progress } from "../ProcessPool.js"
import type * as Target from "../Target.js"
import { fromCaller, runPromise, seconds } from "./runtime.js"

export interface ClusterPoolOptions {
  /** The store: a SQLite file (`file:cluster.db`) or `postgres://…`; default from `EFFECT_MULTIPROCESSING_CLUSTER_STORE`. */
  readonly store?: string
  /** The runners' secret; default from `EFFECT_MULTIPROCESSING_CLUSTER_SECRET`. */
  readonly secret?: string
  readonly shards?: number
  /** Runners to wait for before the first call (default 1). */
  readonly minRunners?: number
  /** Seconds to wait for them (default 120). */
  readonly readyTimeout?: number
  /** Messages in flight at once for one call (default 64). */
  readonly concurrency?: number
}

export interface CallOptions {
  /** Hard time limit of each task, in seconds from its start. */
  readonly timeout?: number
  /** Soft time limit of each task, in seconds. */
  readonly softTimeout?: number
}

export interface MapCallOptions extends CallOptions {
  readonly chunksize?: number | null
  readonly progress?: (progress: Progress) => void
}

const taskOptions = (options: CallOptions | undefined): ClusterPool.TaskOptions => ({
  ...(options?.timeout === undefined ? {} : { timeout: seconds(options.timeout)! }),
  ...(options?.softTimeout === undefined ? {} : { softTimeout: seconds(options.softTimeout)! })
})

const mapOptions = (options: MapCallOptions | undefined): ClusterPool.MapOptions => ({
  ...taskOptions(options),
  ...(options?.chunksize === undefined || options.chunksize === null ? {} : { chunksize: options.chunksize }),
  ...(options?.progress === undefined ? {} : { progress: options.progress })
})

/** An error out of an async iteration of a Stream, as the library's error. */
const unwrapFailure = (error: unknown): unknown =>
  Runtime.isFiberFailure(error) ? fromCaller(Cause.squash(error[Runtime.FiberFailureCauseId])) : error

export class Pool implements AsyncDisposable {
  readonly #scope: Scope.CloseableScope
  readonly #pool: Promise<ClusterPool.ClusterPool>
  #state: "running" | "closed" | "terminated" = "running"

  /** Connects to the cluster; calls wait until `minRunners` runners are ready (see `ready`). */
  constructor(options: ClusterPoolOptions = {}) {
    this.#scope = Effect.runSync(Scope.make())
    this.#pool = runPromise(Scope.extend(
      ClusterPool.make({
        ...(options.store === undefined ? {} : { store: options.store }),
        ...(options.secret === undefined ? {} : { secret: Redacted.make(options.secret) }),
        ...(options.shards === undefined ? {} : { shards: options.shards }),
        ...(options.minRunners === undefined ? {} : { minRunners: options.minRunners }),
        ...(options.readyTimeout === undefined ? {} : { readyTimeout: seconds(options.readyTimeout)! }),
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency })
      }),
      this.#scope
    ))
    this.#pool.catch(() => {}) // reported by `ready` and by every call
  }

  /** Resolves once the runners are ready; rejects with why the pool cannot be used (`AuthenticationError`, `TimeoutError`, …). */
  async ready(): Promise<this> {
    await this.#pool
    return this
  }

  /** Python's `apply`: `f(...args)` on a runner. */
  async apply<F extends Target.AnyFunction>(f: Target.Target<F>, args: Parameters<F> = [] as never, options?: CallOptions): Promise<Target.Result<F>> {
    const pool = await this.#pool
    return runPromise(pool.apply(f, args, taskOptions(options)))
  }

  /** Python's `map`: results in order. */
  async map<F extends (item: any) => any>(f: Target.Target<F>, iterable: Iterable<Parameters<F>[0]>, options?: MapCallOptions): Promise<Array<Target.Result<F>>> {
    const pool = await this.#pool
    return runPromise(pool.map(f, iterable, mapOptions(options)))
  }

  /** Python's `starmap`: `f(...args)` for every argument list, results in order. */
  async starmap<F extends Target.AnyFunction>(f: Target.Target<F>, iterable: Iterable<Parameters<F>>, options?: MapCallOptions): Promise<Array<Target.Result<F>>> {
    const pool = await this.#pool
    return runPromise(pool.starmap(f, iterable, mapOptions(options)))
  }

  /** Python's `imap`: results in order, as they are ready (`for await`). */
  imap<F extends (item: any) => any>(f: Target.Target<F>, iterable: Iterable<Parameters<F>[0]>, options?: MapCallOptions): AsyncIterable<Target.Result<F>> {
    return this.#iterate((pool) => pool.imap(f, iterable, mapOptions(options)))
  }

  /** Python's `imap_unordered`: results as their chunks finish. */
  imapUnordered<F extends (item: any) => any>(f: Target.Target<F>, iterable: Iterable<Parameters<F>[0]>, options?: MapCallOptions): AsyncIterable<Target.Result<F>> {
    return this.#iterate((pool) => pool.imapUnordered(f, iterable, mapOptions(options)))
  }

  async *#iterate<A>(stream: (pool: ClusterPool.ClusterPool) => Stream.Stream<A, unknown>): AsyncGenerator<A> {
    const pool = await this.#pool
    try {
      yield* Stream.toAsyncIterable(stream(pool))
    } catch (error) {
      throw unwrapFailure(error)
    }
  }

  /** Python's `close`: no new calls; calls under way go on. */
  close(): void {
    if (this.#state === "running") this.#state = "closed"
    this.#pool.then((pool) => Effect.runSync(pool.close), () => {})
  }

  /** Python's `terminate`: calls under way fail with `Terminated`, their tasks cancelled on the runners; the connection is closed. */
  async terminate(): Promise<void> {
    this.#state = "terminated"
    await this.#pool.then((pool) => Effect.runPromise(pool.terminate), () => {})
    await Effect.runPromise(Scope.close(this.#scope, Exit.void))
  }

  /** Python's `join`: after `close` or `terminate`, closes the connection to the cluster; `ValueError` before. */
  async join(): Promise<void> {
    if (this.#state === "running") throw fromCaller(new ValueError({ message: "Pool is still running" }))
    await Effect.runPromise(Scope.close(this.#scope, Exit.void))
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.terminate()
  }
}
