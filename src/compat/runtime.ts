/**
 * The one runtime behind the compat face: every compat call runs the Effect
 * API on it. Failures come out as the library's own `Error` subclasses, not
 * wrapped in a FiberFailure.
 */
import { Cause, Duration, type Effect, Exit, ManagedRuntime } from "effect"
import * as NodeMultiprocessing from "../NodeMultiprocessing.js"
import type { Multiprocessing } from "../Multiprocessing.js"

export const runtime = ManagedRuntime.make(NodeMultiprocessing.layer)

const unwrap = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (Exit.isSuccess(exit)) return exit.value
  throw Cause.squash(exit.cause)
}

/** Runs an Effect that completes synchronously (state changes, signals, spawn). */
export const runSync = <A, E>(effect: Effect.Effect<A, E, Multiprocessing>): A => unwrap(runtime.runSyncExit(effect))

/**
 * Runs an Effect that waits on another process. One that is already an Exit (an
 * `unsafe` operation that finished at once) settles without a fiber.
 */
export const runPromise = <A, E>(effect: Effect.Effect<A, E, Multiprocessing>): Promise<A> => {
  if (!Exit.isExit(effect)) return runtime.runPromiseExit(effect).then(unwrap)
  return Exit.isSuccess(effect) ? Promise.resolve(effect.value as A) : Promise.reject(Cause.squash(effect.cause))
}

/** Seconds, as Python's timeouts are, to an Effect duration; null/undefined means no timeout. */
export const seconds = (timeout: number | null | undefined): Duration.Duration | undefined =>
  timeout === null || timeout === undefined
    ? undefined
    : Number.isNaN(timeout)
    ? Duration.zero
    : Duration.millis(Math.max(0, timeout) * 1000) // Infinity gives an infinite Duration
