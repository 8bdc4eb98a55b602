/**
 * Condition shared across processes: Python's `multiprocessing.Condition`.
 * Built on a Lock or RLock (a fresh RLock by default). In shared memory where
 * the native addon is built (every process that holds it waits and notifies
 * itself); else served by the process that makes it, on a lock of that
 * process, and a child that gets it holds a proxy. `wait`, `notify` and
 * `notifyAll` need its lock.
 *
 * @since 0.1.0
 */
import type { Duration, Effect, Scope } from "effect"
import type { NotOwnerError, OwnerGoneError, TimeoutError, TypeError, ValueError } from "./Errors.js"
import type { AcquireOptions, Lock, ReleaseError } from "./Lock.js"
import * as internal from "./internal/sync/condition.js"

/**
 * Why a wait or notify fails: the caller does not hold the lock, or the owner has gone.
 *
 * @since 0.1.0
 * @category errors
 */
export type WaitError = NotOwnerError | OwnerGoneError

/**
 * A condition variable: callers holding its lock wait until another notifies them.
 *
 * @since 0.1.0
 * @category models
 */
export interface Condition {
  /** The lock it is built on. */
  readonly lock: Lock
  /** Takes the Condition's lock (Python's `Condition.acquire`; see `Lock.acquire`: a timeout that runs out fails with `TimeoutError`). */
  readonly acquire: (options?: AcquireOptions) => Effect.Effect<boolean, OwnerGoneError | TimeoutError | TypeError | ValueError>
  /** Releases the Condition's lock. */
  readonly release: Effect.Effect<void, ReleaseError>
  /** Runs `self` holding the Condition's lock. */
  readonly withLock: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | OwnerGoneError, R>
  /**
   * Releases the lock, waits until notified, takes the lock back (at the same
   * depth, also when timed out or interrupted). Needs the lock. A timeout that
   * runs out fails with `TimeoutError` (where Python answers false; the
   * compat face does).
   */
  readonly wait: (timeout?: Duration.DurationInput) => Effect.Effect<void, WaitError | TimeoutError | TypeError | ValueError>
  /**
   * Waits until `predicate` holds (checked first, then after each wake-up),
   * at most `timeout` in all: fails with `TimeoutError` if it still does not
   * hold then (where Python answers false; the compat face does). Needs the lock.
   */
  readonly waitFor: <E, R>(
    predicate: Effect.Effect<boolean, E, R>,
    timeout?: Duration.DurationInput
  ) => Effect.Effect<void, E | WaitError | TimeoutError | TypeError | ValueError, R>
  /** Wakes up to `n` waiters (Python's `notify(n=1)`). Needs the lock. */
  readonly notify: (n?: number) => Effect.Effect<void, WaitError | ValueError>
  /** Wakes every waiter. Needs the lock. */
  readonly notifyAll: Effect.Effect<void, WaitError>
}

/**
 * A Condition on `lock` (a Lock or RLock in shared memory, or a served one
 * made by this process), or on a fresh RLock; a served lock made elsewhere, or
 * a Semaphore, fails with ValueError, anything else with TypeError.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (lock?: Lock) => Effect.Effect<Condition, TypeError | ValueError, Scope.Scope> = internal.make
