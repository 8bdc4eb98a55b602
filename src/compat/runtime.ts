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
 * The symbols the internals share with this face (see `internal/faces.ts`,
 * which names the same ones: the compat face imports no internal module).
 */
const StartNowKey = Symbol.for("effect-multiprocessing/StartNow")
/** Where an Effect object keeps the callback forms of its per-call operations (a Pool's tasks). */
export const CallbacksKey = Symbol.for("effect-multiprocessing/Callbacks")
/** Where a compat object keeps the Effect object it wraps: what travels to another process. */
export const CompatWrapsKey = Symbol.for("effect-multiprocessing/compat/Wraps")
const CompatWrappersKey = Symbol.for("effect-multiprocessing/compat/Wrappers")
const NotDataKey = Symbol.for("effect-multiprocessing/NotData")

/** How this face wraps an Effect object of kind `family` that arrives from another process. */
export const registerWrapper = (family: string, wrap: (effectObject: any) => unknown): void => {
  const global = globalThis as Record<symbol, Map<string, (effectObject: any) => unknown> | undefined>
  ;(global[CompatWrappersKey] ??= new Map()).set(family, wrap)
}

/** Marks a compat class whose instances cannot travel inside a value: the codec refuses them with `advice`. */
export const markNotData = (constructor: { readonly prototype: object }, what: string, advice: string): void => {
  Object.defineProperty(constructor.prototype, NotDataKey, { value: { what, advice } })
}

/**
 * Runs an Effect that waits on another process. An operation that is done at
 * once (an uncontended lock, a message already read) settles without a fiber:
 * it is started here, and its Exit settles the promise.
 */
export const runPromise = <A, E>(effect: Effect.Effect<A, E, Multiprocessing>): Promise<A> => {
  const start = (effect as unknown as Record<symbol, (() => Effect.Effect<A, E, Multiprocessing>) | undefined>)[StartNowKey]
  const started = start === undefined ? effect : start()
  if (!Exit.isExit(started)) return runtime.runPromiseExit(started).then(unwrap)
  return Exit.isSuccess(started) ? Promise.resolve(started.value as A) : Promise.reject(Cause.squash(started.cause))
}

/** Seconds, as Python's timeouts are, to an Effect duration; null/undefined means no timeout. */
export const seconds = (timeout: number | null | undefined): Duration.Duration | undefined =>
  timeout === null || timeout === undefined
    ? undefined
    : Number.isNaN(timeout)
    ? Duration.zero
    : Duration.millis(Math.max(0, timeout) * 1000) // Infinity gives an infinite Duration
