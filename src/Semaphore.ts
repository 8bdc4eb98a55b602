/**
 * Semaphore and BoundedSemaphore shared across processes: Python's
 * `multiprocessing.Semaphore` and `BoundedSemaphore`, served by the process
 * that makes them (see Lock.ts for how they travel).
 *
 * @since 0.1.0
 */
import { Effect, type Scope } from "effect"
import { ValueError } from "./Errors.js"
import type { Lock } from "./Lock.js"
import { makeKind } from "./Lock.js"

export type Semaphore = Lock

const checked = (value: number) =>
  Number.isSafeInteger(value) && value >= 0
    ? Effect.void
    : Effect.fail(new ValueError({ message: `semaphore initial value must be a non-negative integer, got ${value}` }))

/** A counter of permits, released without limit (Python's `Semaphore(value=1)`). */
export const make = (value = 1): Effect.Effect<Semaphore, ValueError, Scope.Scope> =>
  Effect.zipRight(checked(value), makeKind("Semaphore", value))

/** A Semaphore whose releases may not take it past its initial value (Python's `BoundedSemaphore`). */
export const makeBounded = (value = 1): Effect.Effect<Semaphore, ValueError, Scope.Scope> =>
  Effect.zipRight(checked(value), makeKind("BoundedSemaphore", value))
