/**
 * What `wait` can watch: connections (a message or end of file is waiting),
 * listeners (a connection is waiting) and process sentinels (the process
 * exited). Each says whether it is ready now and how to wait until it is.
 */
import type { Effect } from "effect"
import type { ProcessStateError } from "../../Errors.js"

export const WaitableTypeId: unique symbol = Symbol.for("effect-multiprocessing/Waitable")

export interface Readiness {
  readonly isReady: Effect.Effect<boolean, ProcessStateError>
  readonly awaitReady: Effect.Effect<void, ProcessStateError>
}

export interface Waitable {
  readonly [WaitableTypeId]: Readiness
}

export const isWaitable = (u: unknown): u is Waitable => typeof u === "object" && u !== null && WaitableTypeId in u
