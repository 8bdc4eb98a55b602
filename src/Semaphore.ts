/**
 * Semaphore and BoundedSemaphore shared across processes: Python's
 * `multiprocessing.Semaphore` and `BoundedSemaphore`, served by the process
 * that makes them (see Lock.ts for how they travel).
 *
 * @since 0.1.0
 */
import type { Effect, Scope } from "effect"
import type { TypeError, ValueError } from "./Errors.js"
import type { Lock } from "./Lock.js"
import * as internal from "./internal/lock/lock.js"

/**
 * A counter of permits: `acquire` takes one, `release` gives one back.
 *
 * @since 0.1.0
 * @category models
 */
export interface Semaphore extends Lock {
  readonly kind: "Semaphore" | "BoundedSemaphore"
}

/**
 * A counter of permits, released without limit (Python's `Semaphore(value=1)`).
 * A value that is not an integer fails with TypeError, a negative one with ValueError.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (value = 1): Effect.Effect<Semaphore, TypeError | ValueError, Scope.Scope> =>
  internal.makeSemaphore("Semaphore", value)

/**
 * A Semaphore whose releases may not take it past its initial value (Python's `BoundedSemaphore`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeBounded = (value = 1): Effect.Effect<Semaphore, TypeError | ValueError, Scope.Scope> =>
  internal.makeSemaphore("BoundedSemaphore", value)
