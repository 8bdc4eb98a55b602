/**
 * Python's `multiprocessing.Pool` for plain TypeScript: `apply`, `map`,
 * `starmap`, `imap`, `imapUnordered` and their `Async` forms with
 * `AsyncResult`, `close`, `terminate`, `join`. Timeouts are seconds.
 *
 * ```ts
 * await using pool = new Pool(4)
 * console.log(await pool.map((x: number) => x * x, [1, 2, 3])) // [1, 4, 9]
 * ```
 *
 * Leaving an `await using` block terminates the pool, as leaving Python's
 * `with Pool() as pool:` does. Idle workers do not keep the program alive.
 * Beyond Python, see `Pool` of the Effect face: worker loss, time limits and
 * recycling.
 */
import { Cause, type Effect, Exit } from "effect"
import { InputError, TimeoutError, ValueError } from "../Errors.js"
import type { StartMethod } from "../Multiprocessing.js"
import type { MapOptions, PoolError, Progress, TaskOptions } from "../ProcessPool.js"
import type * as Target from "../Target.js"
import * as ProcessPool from "../ProcessPool.js"
import { CallbacksKey, fromCaller, markNotData, runPromise, runSync, runtime, seconds } from "./runtime.js"

export interface PoolOptions {
  /** How many workers; default: the number of CPUs. */
  readonly processes?: number | null
  readonly initializer?: Target.Target
  readonly initargs?: ReadonlyArray<unknown>
  readonly maxtasksperchild?: number | null
  /** Bytes of resident memory after which a worker is replaced (billiard's `max_memory_per_child`). */
  readonly maxMemoryPerChild?: number
  /** Default hard time limit of each task, in seconds (billiard's `timeout`). */
  readonly timeout?: number
  /** Default soft time limit of each task, in seconds (billiard's `soft_timeout`). */
  readonly softTimeout?: number
  /** Node flags for the workers. */
  readonly execArgv?: ReadonlyArray<string>
  /** How workers start (`"thread"`: worker threads, as `ThreadPool`); defaults to the start method set for the process. */
  readonly startMethod?: StartMethod
}

export interface CallOptions {
  /** Hard time limit of the task, seconds from its start. */
  readonly timeout?: number
  /** Soft time limit of the task, seconds from its start. */
  readonly softTimeout?: number
}

export interface AsyncCallOptions<T> extends CallOptions {
  readonly callback?: (value: T) => void
  readonly errorCallback?: (error: unknown) => void
}

export interface MapCallOptions extends CallOptions {
  readonly chunksize?: number | null
  /** Called as chunks finish, with how many items are done. */
  readonly progress?: (progress: Progress) => void
}

/** The Effect pool's per-task path with callbacks (its `CallbacksKey`): no fiber per task. */
interface PoolCallbacks {
  readonly refusal: () => PoolError | undefined
  readonly apply: (
    target: Target.Target,
    args: ReadonlyArray<unknown>,
    options: TaskOptions | undefined,
    onExit: (exit: Exit.Exit<unknown, PoolError>) => void
  ) => () => void
  readonly imap: <A>(ordered: boolean, target: Target.Target, items: Iterable<unknown>, options: MapOptions<A> | undefined, sink: ImapSink<A>) => (
    stopRunning?: boolean
  ) => void
}

/** How an imap reports: runs of results, each failed chunk in its place, the end. */
interface ImapSink<A> {
  readonly onValues: (values: Array<A>) => void
  readonly onFailure: (error: unknown) => void
  readonly onEnd: (exit: Exit.Exit<void, unknown>) => void
}

/** Seconds to durations; none when no limit is given (the pool's fast path). */
const taskOptions = (options: CallOptions | undefined): Pick<TaskOptions, "timeout" | "softTimeout"> | undefined =>
  options?.timeout === undefined && options?.softTimeout === undefined
    ? undefined
    : { timeout: seconds(options.timeout), softTimeout: seconds(options.softTimeout) }

const mapOptions = <A>(options: MapCallOptions | undefined): MapOptions<A> | undefined =>
  options && { ...taskOptions(options), chunksize: options.chunksize ?? undefined, progress: options.progress }

/** Python raises what the input raised, not a wrapper. */
const pythonError = (error: unknown): unknown => error instanceof InputError ? error.cause : error

const squash = <A>(exit: Exit.Exit<A, unknown>): { ok: true; value: A } | { ok: false; error: unknown } =>
  Exit.isSuccess(exit) ? { ok: true, value: exit.value } : { ok: false, error: pythonError(Cause.squash(exit.cause)) }

/** Python's `AsyncResult`: the eventual result of an `applyAsync` or `mapAsync`. */
export class AsyncResult<T> {
  #outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined
  readonly #settled: Promise<void>
  #settle!: () => void

  /** Made by the pool's `Async` calls: `start` submits the work, and settles this once with how it ended. */
  constructor(start: (complete: (exit: Exit.Exit<T, unknown>) => void) => void, callbacks?: AsyncCallOptions<T>) {
    this.#settled = new Promise((resolve) => (this.#settle = resolve))
    if (callbacks?.callback !== undefined || callbacks?.errorCallback !== undefined) {
      void this.#settled.then(() => {
        const outcome = this.#outcome!
        try {
          if (outcome.ok) callbacks.callback?.(outcome.value)
          else callbacks.errorCallback?.(outcome.error)
        } catch (error) {
          // Python's result handler would die of it and hang the pool; here it is reported and the pool goes on.
          process.stderr.write(`Exception in ${outcome.ok ? "callback" : "errorCallback"} of a pool result:\n${(error as Error)?.stack ?? String(error)}\n`)
        }
      })
    }
    start((exit) => {
      if (this.#outcome !== undefined) return
      this.#outcome = squash(exit)
      this.#settle()
    })
  }

  /** Whether the call has completed. */
  ready(): boolean {
    return this.#outcome !== undefined
  }

  /** Whether it completed without failing; `ValueError` while not ready, as in Python. */
  successful(): boolean {
    if (this.#outcome === undefined) throw fromCaller(new ValueError({ message: "the result is not ready yet; wait() for it first" }))
    return this.#outcome.ok
  }

  /** Waits until the result is ready, or `timeout` seconds pass. */
  async wait(timeout?: number | null): Promise<void> {
    if (this.#outcome !== undefined || timeout === 0) return
    if (timeout == null) return this.#settled
    let timer: ReturnType<typeof setTimeout> | undefined
    await Promise.race([this.#settled, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, timeout) * 1000)))])
    clearTimeout(timer)
  }

  /** The result, or its failure raised; `TimeoutError` if it is not ready within `timeout` seconds. */
  async get(timeout?: number | null): Promise<T> {
    await this.wait(timeout)
    const outcome = this.#outcome
    if (outcome === undefined) throw fromCaller(new TimeoutError({ message: `the result was not ready within ${timeout} seconds` }))
    if (outcome.ok) return outcome.value
    throw fromCaller(outcome.error)
  }
}

markNotData(
  AsyncResult,
  "an AsyncResult",
  "it settles only in the process that submitted the task; wait for it with get() and send the value instead"
)

/** Python's `MapResult`: the `AsyncResult` of a `mapAsync` or `starmapAsync`. */
export class MapResult<T> extends AsyncResult<Array<T>> {}

/**
 * Python's `IMapIterator`: the results of `imap` or `imapUnordered`, for
 * `for await`; `next(timeout)` raises `TimeoutError` when nothing comes within
 * `timeout` seconds. Tasks are submitted from when `imap` is called, the input
 * read a bounded way ahead of the results (an infinite one works). A failed
 * chunk raises its error in its place, and the next call goes on with the
 * results after it, as Python's iterator does (a `for await` loop stops
 * there). Leaving the loop early withdraws the tasks not yet run and reads no
 * more of the input.
 */
export class IMapIterator<T> implements AsyncIterableIterator<T> {
  /** Results and failed chunks, in the order they are to be seen. */
  readonly #items: Array<{ ok: true; value: T } | { ok: false; error: unknown }> = []
  #end: { ok: true } | { ok: false; error: unknown } | undefined
  #waiters: Array<() => void> = []
  readonly #cancel: (stopRunning?: boolean) => void

  /** Made by the pool's `imap` calls: `start` submits the tasks and reports into the sink it is given. */
  constructor(start: (sink: ImapSink<T>) => (stopRunning?: boolean) => void) {
    this.#cancel = start({
      onValues: (values) => {
        for (const value of values) this.#items.push({ ok: true, value })
        this.#wake()
      },
      onFailure: (error) => {
        this.#items.push({ ok: false, error })
        this.#wake()
      },
      onEnd: (exit) => {
        this.#end = Exit.isSuccess(exit) ? { ok: true } : { ok: false, error: pythonError(Cause.squash(exit.cause)) }
        this.#wake()
      }
    })
  }

  #wake() {
    for (const wake of this.#waiters.splice(0)) wake()
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  async next(timeout?: number | null): Promise<IteratorResult<T, undefined>> {
    const deadline = timeout == null ? undefined : Date.now() + Math.max(0, timeout) * 1000
    for (;;) {
      const item = this.#items.shift()
      if (item !== undefined) {
        if (item.ok) return { done: false, value: item.value }
        throw fromCaller(item.error) // a failed chunk, in its place; the iteration goes on after it, as Python's does
      }
      const end = this.#end
      if (end !== undefined) {
        if (end.ok) return { done: true, value: undefined }
        this.#end = { ok: true } // raised once, as Python's iterator does
        throw fromCaller(end.error)
      }
      let timer: ReturnType<typeof setTimeout> | undefined
      const arrived = await new Promise<boolean>((resolve) => {
        this.#waiters.push(() => resolve(true))
        if (deadline !== undefined) timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))
      })
      clearTimeout(timer)
      if (!arrived) throw fromCaller(new TimeoutError({ message: `no result within ${timeout} seconds` }))
    }
  }

  /** Leaving a `for await` early: withdraws what has not started; what runs finishes, as in Python. */
  async return(): Promise<IteratorResult<T, undefined>> {
    this.#cancel(false)
    this.#end ??= { ok: true }
    this.#items.length = 0
    this.#wake()
    return { done: true, value: undefined }
  }
}

markNotData(
  IMapIterator,
  "an imap iterator",
  "its results arrive only in the process that submitted the map; read them and send the values instead"
)

/** The value of an `Async` call's result; what the call itself raises (a pool not running) rejects instead. */
const resultOf = <T>(call: () => AsyncResult<T>): Promise<T> => {
  try {
    return call().get()
  } catch (error) {
    return Promise.reject(fromCaller(error))
  }
}

/**
 * Python's `multiprocessing.Pool(processes, initializer, initargs, maxtasksperchild)`:
 * `new Pool(4)`, `new Pool(4, { initializer })` or `new Pool({ processes: 4, … })`.
 * `ValueError` for fewer than one process.
 */
export class Pool {
  readonly #pool: ProcessPool.Pool
  readonly #callbacks: PoolCallbacks

  constructor(processes?: number | null | PoolOptions, options: PoolOptions = {}) {
    const all = typeof processes === "object" && processes !== null ? processes : { ...options, processes }
    this.#pool = runSync(ProcessPool.makeUnscoped({
      processes: all.processes ?? undefined,
      initializer: all.initializer,
      initargs: all.initargs,
      maxtasksperchild: all.maxtasksperchild ?? undefined,
      maxMemoryPerChild: all.maxMemoryPerChild,
      execArgv: all.execArgv,
      startMethod: all.startMethod,
      ...taskOptions(all)
    }))
    this.#callbacks = (this.#pool as unknown as Record<typeof CallbacksKey, PoolCallbacks>)[CallbacksKey]
  }

  /** The workers' pids. */
  get pids(): ReadonlyArray<number> {
    return this.#pool.pids
  }

  /** How many workers the pool keeps. */
  get processes(): number {
    return this.#pool.processes
  }

  /**
   * `f(...args)` in a worker. Its own path, not `applyAsync(…).get()`: one
   * Promise settled by the pool's callback, without an `AsyncResult` and the
   * turns of its `get` and `wait` (a task at a time, that is a part of each
   * round trip worth saving).
   */
  async apply<F extends Target.AnyFunction>(f: Target.Target<F>, args?: Parameters<F>, options?: CallOptions): Promise<Target.Result<F>> {
    this.#checkRunning()
    const exit = await new Promise<Exit.Exit<unknown, PoolError>>((resolve) => {
      this.#callbacks.apply(f, args ?? [], taskOptions(options), resolve)
    })
    if (Exit.isSuccess(exit)) return exit.value as Target.Result<F>
    // Thrown here, in the reaction the caller awaits, so that its frames are the stack's (see fromCaller).
    throw fromCaller(pythonError(Cause.squash(exit.cause)))
  }

  /** `f(...args)` in a worker, as an `AsyncResult`; `callback`/`errorCallback` hear how it ended. */
  applyAsync<F extends Target.AnyFunction>(
    f: Target.Target<F>,
    args?: Parameters<F>,
    options?: AsyncCallOptions<Target.Result<F>>
  ): AsyncResult<Target.Result<F>> {
    this.#checkRunning()
    return new AsyncResult<Target.Result<F>>(
      (complete) => this.#callbacks.apply(f, args ?? [], taskOptions(options), complete as (exit: Exit.Exit<unknown, PoolError>) => void),
      options
    )
  }

  /** `f(item)` for every item, in order; `chunksize` items per task. */
  map<F extends (item: any) => any>(f: Target.Target<F>, iterable: Iterable<Parameters<F>[0]>, options?: MapCallOptions): Promise<Array<Target.Result<F>>> {
    return resultOf(() => this.mapAsync(f, iterable, options))
  }

  mapAsync<F extends (item: any) => any>(
    f: Target.Target<F>,
    iterable: Iterable<Parameters<F>[0]>,
    options?: MapCallOptions & AsyncCallOptions<Array<Target.Result<F>>>
  ): MapResult<Target.Result<F>> {
    return this.#async(this.#pool.map(f, iterable, mapOptions<Target.Result<F>>(options) as never), options)
  }

  /** `f(...args)` for every argument list, in order. */
  starmap<F extends Target.AnyFunction>(f: Target.Target<F>, iterable: Iterable<Parameters<F>>, options?: MapCallOptions): Promise<Array<Target.Result<F>>> {
    return resultOf(() => this.starmapAsync(f, iterable, options))
  }

  starmapAsync<F extends Target.AnyFunction>(
    f: Target.Target<F>,
    iterable: Iterable<Parameters<F>>,
    options?: MapCallOptions & AsyncCallOptions<Array<Target.Result<F>>>
  ): MapResult<Target.Result<F>> {
    return this.#async(this.#pool.starmap(f, iterable, mapOptions<Target.Result<F>>(options) as never), options)
  }

  #async<T>(effect: Effect.Effect<Array<T>, unknown>, callbacks: AsyncCallOptions<Array<T>> | undefined): MapResult<T> {
    this.#checkRunning()
    return new MapResult<T>((complete) => runtime.runFork(effect).addObserver(complete), callbacks)
  }

  /** Results of `f(item)` in order, as they are ready (`chunksize` defaults to 1). */
  imap<F extends (item: any) => any>(f: Target.Target<F>, iterable: Iterable<Parameters<F>[0]>, options?: MapCallOptions): IMapIterator<Target.Result<F>> {
    return this.#imap(true, f, iterable, options)
  }

  /** Results of `f(item)` as they are ready, in any order. */
  imapUnordered<F extends (item: any) => any>(
    f: Target.Target<F>,
    iterable: Iterable<Parameters<F>[0]>,
    options?: MapCallOptions
  ): IMapIterator<Target.Result<F>> {
    return this.#imap(false, f, iterable, options)
  }

  #imap<T>(ordered: boolean, f: Target.Target, iterable: Iterable<unknown>, options: MapCallOptions | undefined): IMapIterator<T> {
    this.#checkRunning()
    return new IMapIterator<T>((sink) => this.#callbacks.imap(ordered, f, iterable, mapOptions<T>(options), sink))
  }

  /** Python's `_check_running`: the `Async` forms and `imap` raise at once on a pool that takes no work. */
  #checkRunning(): void {
    const refusal = this.#callbacks.refusal()
    if (refusal !== undefined) throw fromCaller(refusal)
  }

  /** No more tasks; the workers exit once the queued ones are done. */
  close(): void {
    runSync(this.#pool.close)
  }

  /** Stops the workers now; unfinished tasks fail with `Terminated`. */
  terminate(): void {
    runSync(this.#pool.terminate)
  }

  /** Waits for the workers to exit; `ValueError` unless `close()` or `terminate()` came first. */
  join(): Promise<void> {
    return runPromise(this.#pool.join)
  }

  /** Adds `n` workers. */
  grow(n = 1): void {
    runSync(this.#pool.grow(n))
  }

  /** Retires `n` workers, idle ones first. */
  shrink(n = 1): void {
    runSync(this.#pool.shrink(n))
  }

  /** What leaving an `await using` block does: `terminate()`, then `join()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.terminate()
    await this.join()
  }

  toString(): string {
    return this.#pool.toString()
  }
}

markNotData(
  Pool,
  "a Pool",
  "as in Python, a pool cannot be passed between processes: only the process that made it submits tasks to it; " +
    "submit from there, and send the data or the results instead"
)

/**
 * Python's `multiprocessing.pool.ThreadPool`: a Pool whose workers are worker
 * threads of this process (the "thread" start method) — the same API, tasks
 * and limits; `processes` counts threads. See docs/threads.md.
 */
export class ThreadPool extends Pool {
  constructor(processes?: number | null | PoolOptions, options: PoolOptions = {}) {
    const all = typeof processes === "object" && processes !== null ? processes : { ...options, processes }
    super({ ...all, startMethod: "thread" })
  }
}
