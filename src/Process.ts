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
import { Effect, type Scope } from "effect"
import { Multiprocessing } from "./Multiprocessing.js"
import type { TypeError } from "./Errors.js"
import { checkArgs, ProcessImpl, type ProcessOptions, ProcessTypeId, type ResultError, type Sentinel, type StartError } from "./internal/process/process.js"
import type * as Target from "./Target.js"

export { ProcessTypeId, type ProcessOptions as Options, type ResultError, type Sentinel, type StartError }

/** @since 0.1.0 */
export interface Process<A = unknown> extends ProcessImpl<A> {}

export const isProcess = (u: unknown): u is Process => typeof u === "object" && u !== null && ProcessTypeId in u

/** A Process not yet started, owned by the current Scope; `args` that are not an array fail with `TypeError`. */
export const make = <F extends Target.AnyFunction, A = Target.Result<F>>(
  options: ProcessOptions<F, A>
): Effect.Effect<Process<A>, TypeError, Multiprocessing | Scope.Scope> =>
  Effect.zipRight(checkArgs(options.args), Multiprocessing).pipe(Effect.flatMap((mp) =>
    Effect.acquireRelease(
      Effect.sync(() => new ProcessImpl<A>(mp, options as ProcessOptions<Target.AnyFunction, A>)),
      (process) => process.release
    )))

/** Starts a Process owned by the current Scope. */
export const start = <F extends Target.AnyFunction, A = Target.Result<F>>(
  options: ProcessOptions<F, A>
): Effect.Effect<Process<A>, StartError, Multiprocessing | Scope.Scope> =>
  Effect.tap(make(options), (process) => process.start)

/** Runs a target in a new child process and gives its result; interrupting it terminates the child. */
export const run = <F extends Target.AnyFunction, A = Target.Result<F>>(
  options: ProcessOptions<F, A>
): Effect.Effect<A, StartError | ResultError, Multiprocessing> =>
  Effect.scoped(Effect.flatMap(start(options), (process) => process.result))
