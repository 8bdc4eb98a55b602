/**
 * Barrier shared across processes: Python's `multiprocessing.Barrier`.
 * `parties` callers meet at `wait`; the optional action runs once per
 * generation in the process that made the barrier, before anyone goes on.
 *
 * @since 0.1.0
 */
import type { Duration, Effect, Scope } from "effect"
import type { BrokenBarrierError, OwnerGoneError, TimeoutError, TypeError, ValueError } from "./Errors.js"
import * as internal from "./internal/sync/barrier.js"

/**
 * A meeting point for `parties` callers. `E` is what its action fails with:
 * the party whose arrival ran the action gets that failure, the others
 * `BrokenBarrierError` (in another process, it arrives as the library's error
 * or a `RemoteError`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Barrier<E = never> {
  /** How many callers meet. */
  readonly parties: number
  /**
   * Waits for all parties: gives this caller's index (0 for the first to
   * arrive). Fails with `BrokenBarrierError` if the barrier breaks. A timeout
   * (this one, or the barrier's) that runs out breaks it for everyone: this
   * party fails with `TimeoutError` (where Python raises BrokenBarrierError;
   * the compat face does), the others with `BrokenBarrierError`. The party
   * whose arrival runs an action that fails gets the action's failure (the
   * others `BrokenBarrierError`).
   */
  readonly wait: (timeout?: Duration.DurationInput) => Effect.Effect<number, BrokenBarrierError | OwnerGoneError | TimeoutError | TypeError | ValueError | E>
  /** Breaks the barrier: current and later waiters fail until `reset`. */
  readonly abort: Effect.Effect<void, OwnerGoneError>
  /** Empties and mends the barrier; current waiters fail with `BrokenBarrierError`. */
  readonly reset: Effect.Effect<void, OwnerGoneError>
  /** How many wait now. */
  readonly nWaiting: Effect.Effect<number, OwnerGoneError>
  /** Whether it is broken. */
  readonly broken: Effect.Effect<boolean, OwnerGoneError>
}

/**
 * What a Barrier may be made with.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<E = never> {
  /**
   * Runs once per generation, in this process, when the last party arrives.
   * Its failure breaks the barrier, and is what that last party's `wait` fails with.
   */
  readonly action?: Effect.Effect<unknown, E>
  /** The timeout of a `wait` that gives none. */
  readonly timeout?: Duration.DurationInput
}

/**
 * A barrier for `parties` callers (TypeError if not an integer, ValueError if less than 1).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: <E = never>(parties: number, options?: Options<E>) => Effect.Effect<Barrier<E>, TypeError | ValueError, Scope.Scope> =
  internal.make
