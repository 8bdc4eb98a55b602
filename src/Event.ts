/**
 * Event shared across processes: Python's `multiprocessing.Event`, a flag
 * that processes set, clear and wait on. In shared memory where the native
 * addon is built (every process that holds it sets and waits on it itself),
 * else served by the process that makes it; passed to another process, it
 * arrives as a proxy that reaches the owner.
 *
 * @since 0.1.0
 */
import type { Duration, Effect, Pipeable, Scope } from "effect"
import { dual } from "effect/Function"
import type { OwnerGoneError, TimeoutError, TypeError, ValueError } from "./Errors.js"
import * as internal from "./internal/sync/event.js"

/**
 * A flag processes wait on.
 *
 * @since 0.1.0
 * @category models
 */
export interface Event extends Pipeable.Pipeable {
  /** Whether the flag is set. */
  readonly isSet: Effect.Effect<boolean, OwnerGoneError>
  /** Sets the flag and wakes every waiter. */
  readonly set: Effect.Effect<void, OwnerGoneError>
  /** Clears the flag. */
  readonly clear: Effect.Effect<void, OwnerGoneError>
  /**
   * Waits until the flag is set; forever without a timeout. A timeout that
   * runs out fails with `TimeoutError` (where Python answers false; the compat
   * face does); `isSet` asks without waiting.
   */
  readonly wait: (timeout?: Duration.DurationInput) => Effect.Effect<void, OwnerGoneError | TimeoutError | TypeError | ValueError>
}

/**
 * A new Event, its flag clear, usable while the Scope is open.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: () => Effect.Effect<Event, never, Scope.Scope> = internal.make

/**
 * Whether `u` is an Event of this library.
 *
 * @since 0.1.0
 * @category guards
 */
export const isEvent = (u: unknown): u is Event => internal.isEvent(u)

/**
 * `event.set` as a function: `Event.set(event)` or `event.pipe(Event.set)`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const set = (self: Event): Effect.Effect<void, OwnerGoneError> => self.set

/**
 * `event.clear` as a function: `Event.clear(event)` or `event.pipe(Event.clear)`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const clear = (self: Event): Effect.Effect<void, OwnerGoneError> => self.clear

/**
 * `event.isSet` as a function: `Event.isSet(event)` or `event.pipe(Event.isSet)`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const isSet = (self: Event): Effect.Effect<boolean, OwnerGoneError> => self.isSet

/**
 * `event.wait` as a function: `Event.wait(event, timeout?)` or `event.pipe(Event.wait(timeout?))`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const wait: {
  (timeout?: Duration.DurationInput): (self: Event) => Effect.Effect<void, OwnerGoneError | TimeoutError | TypeError | ValueError>
  (self: Event, timeout?: Duration.DurationInput): Effect.Effect<void, OwnerGoneError | TimeoutError | TypeError | ValueError>
} = dual((args) => isEvent(args[0]), (self: Event, timeout?: Duration.DurationInput) => self.wait(timeout))
