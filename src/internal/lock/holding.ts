/**
 * What every kind of lock does alike, served or in shared memory: checking
 * `acquire`'s options, and holding it for a Scope (`held`) or around an
 * Effect (`withLock`).
 */
import { type Duration, Effect, Either, type Scope } from "effect"
import { type OwnerGoneError, SyncUnsupportedError, TypeError, type ValueError } from "../../Errors.js"
import type * as Public from "../../Lock.js"
import { nativeMissing } from "../native/native.js"
import { checkedWait, shown } from "../served/backend.js"

/** `acquire`'s options as Python's `block` and `timeout`, or why they are refused (TypeError, ValueError). */
export const acquireArguments = (
  options: Public.AcquireOptions
): Either.Either<{ readonly block: boolean; readonly timeout: Duration.Duration | undefined }, TypeError | ValueError> => {
  if (typeof options !== "object" || options === null) {
    return Either.left(new TypeError({ message: `acquire takes options { block, timeout }, got ${shown(options)}` }))
  }
  return Either.map(checkedWait("acquire", options.block, options.timeout), (timeout) => ({ block: options.block ?? true, timeout }))
}

/** A release after the work: an owner that has gone leaves nothing to release; anything else is a defect. */
const quietly = (release: Effect.Effect<void, Public.ReleaseError>): Effect.Effect<void> =>
  release.pipe(Effect.catchTag("OwnerGoneError", () => Effect.void), Effect.orDie)

/** Holds the lock for the rest of the Scope: `acquire` now (interruptible), `release` when the Scope closes. */
export const held = (
  acquire: Effect.Effect<boolean, OwnerGoneError>,
  release: Effect.Effect<void, Public.ReleaseError>
): Effect.Effect<void, OwnerGoneError, Scope.Scope> =>
  Effect.uninterruptibleMask((restore) => Effect.zipRight(restore(acquire), Effect.addFinalizer(() => quietly(release))))

/** Runs `self` holding the lock: `acquire` before (interruptible), `release` after, however `self` ends. */
export const withLock = <A, E, R>(
  acquire: Effect.Effect<boolean, OwnerGoneError>,
  release: Effect.Effect<void, Public.ReleaseError>,
  self: Effect.Effect<A, E, R>
): Effect.Effect<A, E | OwnerGoneError, R> =>
  Effect.uninterruptibleMask((restore) => Effect.flatMap(restore(acquire), () => Effect.ensuring(restore(self), quietly(release))))

/** Why `what` (a `…Sync` operation) of a served `kind` is refused: it would wait for a socket's answer with the event loop blocked. */
export const servedSync = (kind: string, what: string): SyncUnsupportedError =>
  new SyncUnsupportedError({
    message: `${what}: this ${kind} is served by its owner process over a socket (${
      nativeMissing === undefined ? "made by a Manager, or past what shared memory holds" : `the shared-memory addon is ${nativeMissing}`
    }), and a synchronous call would block the event loop that must read the answer. Use the asynchronous form`
  })
