/**
 * A Pool: worker processes that run tasks — Python's `multiprocessing.Pool`,
 * with billiard's reliability. Each worker has its own channel from the pool;
 * tasks are pipelined to it and batched, so a worker never waits for its next
 * task, and results come back as they finish.
 *
 * ```ts
 * const pool = yield* Pool.make({ processes: 4 })
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
 * What it costs and guarantees: docs/pool.md.
 *
 * @since 0.1.0
 */
import { type Duration, Effect, type Scope } from "effect"
import { type InvalidTargetError, type ProcessError, type SerializationError, type UnportableFunctionError, ValueError } from "./Errors.js"
import { Multiprocessing } from "./Multiprocessing.js"
import type * as Target from "./Target.js"
import { PoolCore } from "./internal/pool/poolCore.js"
import { limitMillis, PoolImpl, PoolTypeId } from "./internal/pool/pool.js"
import { TASK_SIGNAL_KEY } from "./internal/pool/poolProtocol.js"
import { availableParallelism } from "node:os"

export { PoolTypeId }
export type { MapEvent, MapOptions, PoolError, Progress, TaskOptions } from "./internal/pool/pool.js"
export type { TaskError } from "./internal/pool/poolCore.js"

/** @since 0.1.0 */
export interface Pool extends PoolImpl {}

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
}

export type MakeError = ValueError | UnportableFunctionError | InvalidTargetError | SerializationError | ProcessError

const positiveWhole = (name: string, value: number | undefined) =>
  value !== undefined && !(Number.isInteger(value) && value >= 1)
    ? new ValueError({ message: `${name} must be a whole number of at least 1, got ${value}` })
    : undefined

/** Starts a pool's workers (not owned by a Scope: see `make`). */
export const unsafeMake = (options: Options = {}): Effect.Effect<Pool, MakeError, Multiprocessing> =>
  Effect.gen(function*() {
    const processes = options.processes ?? availableParallelism()
    const invalid = positiveWhole("processes", processes) ??
      positiveWhole("maxtasksperchild", options.maxtasksperchild) ??
      positiveWhole("maxMemoryPerChild", options.maxMemoryPerChild)
    if (invalid !== undefined) {
      return yield* (processes < 1 && Number.isInteger(processes)
        ? new ValueError({ message: "Number of processes must be at least 1" })
        : invalid)
    }
    const timeoutMs = yield* limitMillis(options.timeout, "timeout")
    const softTimeoutMs = yield* limitMillis(options.softTimeout, "softTimeout")
    const mp = yield* Multiprocessing
    const core = new PoolCore(mp, {
      processes,
      ...(options.initializer === undefined ? {} : { initializer: options.initializer }),
      ...(options.initargs === undefined ? {} : { initargs: options.initargs }),
      ...(options.maxtasksperchild === undefined ? {} : { maxtasksperchild: options.maxtasksperchild }),
      ...(options.maxMemoryPerChild === undefined ? {} : { maxMemoryPerChild: options.maxMemoryPerChild }),
      ...(options.execArgv === undefined ? {} : { execArgv: options.execArgv }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      ...(softTimeoutMs === undefined ? {} : { softTimeoutMs })
    })
    yield* Effect.tapError(core.start(), () => Effect.sync(() => core.terminate()))
    return new PoolImpl(core)
  })

/**
 * A pool owned by the current Scope: closing it terminates the workers
 * (outstanding tasks fail with `Terminated`) and waits for them to exit, as
 * leaving Python's `with Pool() as pool:` does.
 */
export const make = (options?: Options): Effect.Effect<Pool, MakeError, Multiprocessing | Scope.Scope> =>
  Effect.acquireRelease(unsafeMake(options), (pool) => Effect.zipRight(pool.terminate, Effect.orDie(pool.join)))

/**
 * The AbortSignal of the task running in this worker: aborted when its soft
 * time limit passes or its caller withdraws it. Take it at the start of the
 * task. Outside a pool worker, a signal that never aborts.
 */
export const taskSignal = (): AbortSignal => {
  const current = (globalThis as Record<symbol, (() => AbortSignal) | undefined>)[TASK_SIGNAL_KEY]
  return current === undefined ? new AbortController().signal : current()
}
