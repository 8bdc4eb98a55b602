/**
 * Semaphore and BoundedSemaphore shared across processes: Python's
 * `multiprocessing.Semaphore` and `BoundedSemaphore`, served by the process
 * that makes them (see Lock.ts for how they travel).
 *
 * @since 0.1.0
 */
import { Effect, type Scope } from "effect"
import type { TypeError, ValueError } from "./Errors.js"
import type { Lock } from "./Lock.js"
import { makeKind } from "./Lock.js"
import { semaphoreValueError } from "./internal/lock/semLockHandle.js"

export type Semaphore = Lock

/** A value that is not an integer fails with TypeError, a negative one with ValueError, as in Python. */
const checked = (value: number) => Effect.suspend(() => {
  const error = semaphoreValueError(value)
  return error === undefined ? Effect.void : Effect.fail(error)
})

/** A counter of permits, released without limit (Python's `Semaphore(value=1)`). */
export const make = (value = 1): Effect.Effect<Semaphore, TypeError | ValueError, Scope.Scope> =>
  Effect.zipRight(checked(value), makeKind("Semaphore", value))

/** A Semaphore whose releases may not take it past its initial value (Python's `BoundedSemaphore`). */
export const makeBounded = (value = 1): Effect.Effect<Semaphore, TypeError | ValueError, Scope.Scope> =>
  Effect.zipRight(checked(value), makeKind("BoundedSemaphore", value))
