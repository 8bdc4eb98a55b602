/**
 * Event shared across processes: Python's `multiprocessing.Event`, a flag
 * that processes set, clear and wait on. Served by the process that makes it;
 * passed to another process, it arrives as a proxy that reaches the owner.
 *
 * @since 0.1.0
 */
import type { Duration, Effect, Scope } from "effect"
import type { OwnerGoneError, TypeError, ValueError } from "./Errors.js"
import * as internal from "./internal/sync/event.js"

/**
 * A flag processes wait on.
 *
 * @since 0.1.0
 * @category models
 */
export interface Event {
  /** Whether the flag is set. */
  readonly isSet: Effect.Effect<boolean, OwnerGoneError>
  /** Sets the flag and wakes every waiter. */
  readonly set: Effect.Effect<void, OwnerGoneError>
  /** Clears the flag. */
  readonly clear: Effect.Effect<void, OwnerGoneError>
  /** Waits until the flag is set (true), or `timeout` runs out (false); forever without one. */
  readonly wait: (timeout?: Duration.DurationInput) => Effect.Effect<boolean, OwnerGoneError | TypeError | ValueError>
}

/**
 * A new Event, its flag clear, served while the Scope is open.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: () => Effect.Effect<Event, never, Scope.Scope> = internal.make
