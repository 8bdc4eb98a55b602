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
import type { NotOwnerError, OwnerGoneError, TypeError, ValueError } from "./Errors.js"
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
  /** Takes the Condition's lock (Python's `Condition.acquire`). */
  readonly acquire: (options?: AcquireOptions) => Effect.Effect<boolean, OwnerGoneError | TypeError | ValueError>
  /** Releases the Condition's lock. */
  readonly release: Effect.Effect<void, ReleaseError>
  /** Runs `self` holding the Condition's lock. */
  readonly withLock: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | OwnerGoneError, R>
  /**
   * Releases the lock, waits until notified or `timeout` runs out, takes the
   * lock back (at the same depth, also when interrupted): true when notified. Needs the lock.
   */
  readonly wait: (timeout?: Duration.DurationInput) => Effect.Effect<boolean, WaitError | TypeError | ValueError>
  /**
   * Waits until `predicate` holds (checked first, then after each wake-up),
   * at most `timeout` in all; gives the predicate's last answer. Needs the lock.
   */
  readonly waitFor: <E, R>(
    predicate: Effect.Effect<boolean, E, R>,
    timeout?: Duration.DurationInput
  ) => Effect.Effect<boolean, E | WaitError | TypeError | ValueError, R>
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
