/**
 * A Process: a target run in its own OS process, with Python's lifecycle —
 * `start`, `join(timeout)`, `exitCode`, `isAlive`, `terminate`, `kill`,
 * `close` — plus `result`, the target's return value (or its failure, typed).
 *
 * ```ts
 * const doubled = yield* Process.run({ target: (n: number) => n * 2, args: [21] }) // 42, computed in a child
 * ```
 *
 * `make` gives a Process tied to the current Scope: closing the scope (or
 * interrupting the fiber that owns it) terminates a child still running and
 * waits for its exit. Exit codes are Python's: 0 when the target returns, 1
 * when it throws (its stack goes to the child's stderr), n for
 * `process.exit(n)`, −15 after `terminate`, −9 after `kill`.
 *
 * @since 0.1.0
 */
import { type Duration, Effect, type Schema, type Scope } from "effect"
import type { Waitable } from "./Connection.js"
import type {
  InvalidTargetError,
  MultiprocessingError,
  ProcessError,
  ProcessExitedError,
  ProcessStateError,
  RemoteError,
  SerializationError,
  TimeoutError,
  TypeError,
  UnportableFunctionError,
  ValueError
} from "./Errors.js"
import type { Multiprocessing, StartMethod } from "./Multiprocessing.js"
import * as internal from "./internal/process/process.js"
import type * as Target from "./Target.js"

/**
 * What marks a Process of the Effect API.
 *
 * @since 0.1.0
 * @category symbols
 */
export const ProcessTypeId: unique symbol = internal.ProcessTypeId

/**
 * @since 0.1.0
 * @category symbols
 */
export type ProcessTypeId = typeof ProcessTypeId

/**
 * What a Process runs, and how.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<F extends Target.AnyFunction, A = Target.Result<F>> {
  /** An inline function (sent as source text) or a module export (`Target.moduleExport`, `Target.module`). */
  readonly target: Target.Target<F>
  readonly args?: Parameters<F>
  /** Defaults to Python's `Process-N` (`Process-N:M` in a child). */
  readonly name?: string
  /** A daemon child does not keep this process alive, and is terminated with it. Defaults to this process's daemon flag. */
  readonly daemon?: boolean
  /** Decodes the result: validation, and class instances back for `Schema.Class`. */
  readonly result?: Schema.Schema<A, any, never>
  /** How this child starts (`"thread"`: a worker thread of this process); defaults to the start method set for the process. */
  readonly startMethod?: StartMethod
}

/**
 * Ready once the process has exited: what `Connection.wait` watches.
 *
 * @since 0.1.0
 * @category models
 */
export interface Sentinel extends Waitable {
  /** Waits for the exit; fails before `start` and once the Process is closed. */
  readonly await: Effect.Effect<void, ProcessStateError>
  readonly isReady: Effect.Effect<boolean>
}

/**
 * Everything `start` can fail with (`TypeError`: `args` not an array, from `make`).
 *
 * @since 0.1.0
 * @category errors
 */
export type StartError =
  | TypeError
  | ProcessStateError
  | InvalidTargetError
  | UnportableFunctionError
  | SerializationError
  | ProcessError

/**
 * Everything `result` can fail with: why there is no result, or what the
 * target raised (a library error as itself, anything else a `RemoteError`).
 *
 * @since 0.1.0
 * @category errors
 */
export type ResultError =
  | ProcessStateError
  | RemoteError
  | ProcessExitedError
  | InvalidTargetError
  | SerializationError
  | MultiprocessingError

/**
 * A child process and its target. Its state getters throw `ProcessStateError`
 * once the Process is closed, as Python's raise `ValueError`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Process<A = unknown> {
  readonly [ProcessTypeId]: ProcessTypeId
  readonly name: string
  readonly daemon: boolean
  /** The child's pid (this process's own for a thread); undefined before `start`. */
  readonly pid: number | undefined
  /** The worker thread's id when the child is a thread; undefined for a process, and before `start`. */
  readonly threadId: number | undefined
  /** null before `start` and while running; the code; `-signal` when a signal ended it. */
  readonly exitCode: number | null
  readonly isAlive: boolean
  readonly isClosed: boolean
  /** Ready once the process has exited; waiting on it before `start` fails, as Python's `sentinel` does. */
  readonly sentinel: Sentinel
  setName(name: string): Effect.Effect<void, ProcessStateError>
  /** Only before `start`. */
  setDaemon(daemon: boolean): Effect.Effect<void, ProcessStateError>
  /** Starts the child; a Process starts once. */
  readonly start: Effect.Effect<void, StartError>
  /**
   * Waits for the exit and gives the exit code. A timeout that runs out while
   * the process still runs fails with `TimeoutError` (where Python's returns
   * None; the compat face's gives null); `isAlive` asks without waiting.
   */
  join(timeout?: Duration.DurationInput): Effect.Effect<number, ProcessStateError | TimeoutError | ValueError>
  /** Waits for the exit and gives what the target returned, or fails with why it did not. */
  readonly result: Effect.Effect<A, ResultError>
  /** SIGTERM (exit code -15). */
  readonly terminate: Effect.Effect<void, ProcessStateError>
  /** SIGKILL (exit code -9). */
  readonly kill: Effect.Effect<void, ProcessStateError>
  /** Releases the Process; fails while the child still runs. */
  readonly close: Effect.Effect<void, ProcessStateError>
  /** What closing the owning scope does: a child still running is terminated (then killed after 5 s) and awaited. */
  readonly release: Effect.Effect<void>
  /** Python's repr: `<Process name='Process-1' pid=1234 started>`. */
  toString(): string
}

/**
 * Whether `u` is a Process of the Effect API.
 *
 * @since 0.1.0
 * @category guards
 */
export const isProcess = (u: unknown): u is Process => typeof u === "object" && u !== null && ProcessTypeId in u

/**
 * A Process not yet started, owned by the current Scope; `args` that are not an array fail with `TypeError`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: <F extends Target.AnyFunction, A = Target.Result<F>>(
  options: Options<F, A>
) => Effect.Effect<Process<A>, TypeError, Multiprocessing | Scope.Scope> = internal.make

/**
 * Starts a Process owned by the current Scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = <F extends Target.AnyFunction, A = Target.Result<F>>(
  options: Options<F, A>
): Effect.Effect<Process<A>, StartError, Multiprocessing | Scope.Scope> =>
  Effect.tap(make(options), (process) => process.start)

/**
 * Runs a target in a new child process and gives its result; interrupting it terminates the child.
 *
 * @since 0.1.0
 * @category constructors
 */
export const run = <F extends Target.AnyFunction, A = Target.Result<F>>(
  options: Options<F, A>
): Effect.Effect<A, StartError | ResultError, Multiprocessing> =>
  Effect.scoped(Effect.flatMap(start(options), (process) => process.result))
