/**
 * How the Effect face ends a timed wait whose timeout runs out: it fails with
 * `TimeoutError`, so a program catches it by tag, where Python answers
 * `False` or `None`, or raises `Empty`, `Full` or `BrokenBarrierError`. A
 * wait that answers at once (`block: false`) keeps its answer. The compat
 * face gives Python's answers back (`runTimedWait` in `compat/runtime.ts`).
 * The internals keep Python's answer (`false`, `null`, `Empty`) up to the
 * public member, which turns it into the failure here.
 */
import { Cause, Duration, type Effect, Exit, Option } from "effect"
import { TimeoutError } from "../Errors.js"
import { mapExit } from "./exitFastPath.js"
import { operation, StartNowKey } from "./faces.js"

/** What `what` fails with when its `timeout` ran out (and what that did, when it did more than end the wait). */
export const timeoutError = (what: string, timeout: Duration.DurationInput | undefined, consequence?: string): TimeoutError =>
  new TimeoutError({
    message: `${what}: the timeout${timeout === undefined ? "" : ` of ${Duration.format(Duration.decode(timeout))}`} ran out${
      consequence === undefined ? "" : `; ${consequence}`
    }`
  })

/** What a Barrier's timeout does besides, as Python's does: the other parties fail with BrokenBarrierError. */
export const BROKE_IT = "it broke the barrier (the other parties fail with BrokenBarrierError; reset() mends it)"

/**
 * `self` with the Exit that says its timeout ran out made a `TimeoutError`.
 * Still an Exit when `self` is one (done at once), and an operation the
 * compat face starts at once when `self` is one.
 */
const timingOut = <A, E, R, B, E2>(
  self: Effect.Effect<A, E, R>,
  f: (exit: Exit.Exit<A, E>) => Exit.Exit<B, E2>
): Effect.Effect<B, E2, R> => {
  const start = (self as unknown as Record<symbol, (() => Effect.Effect<A, E, R>) | undefined>)[StartNowKey]
  return start === undefined ? mapExit(self, f) : operation(() => mapExit(start(), f))
}

/** A wait that answers false when its timeout runs out (an acquire): TimeoutError then. */
export const failOnFalse = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  what: string,
  timeout: Duration.DurationInput | undefined
): Effect.Effect<Exclude<A, false>, E | TimeoutError, R> =>
  timingOut(self, (exit): Exit.Exit<Exclude<A, false>, E | TimeoutError> =>
    Exit.isSuccess(exit) && exit.value === false ? Exit.fail(timeoutError(what, timeout)) : exit as Exit.Exit<Exclude<A, false>, E>)

/** A wait that answers false when its timeout runs out and true in time (an Event's or a Condition's wait): void in time, TimeoutError then. */
export const failOnFalseElseVoid = <E, R>(
  self: Effect.Effect<boolean, E, R>,
  what: string,
  timeout: Duration.DurationInput | undefined
): Effect.Effect<void, E | TimeoutError, R> =>
  timingOut(self, (exit): Exit.Exit<void, E | TimeoutError> =>
    Exit.isFailure(exit) ? exit : exit.value ? Exit.void : Exit.fail(timeoutError(what, timeout)))

/** A wait that answers null when its timeout runs out (a Process's join): TimeoutError then. */
export const failOnNull = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  what: string,
  timeout: Duration.DurationInput | undefined
): Effect.Effect<Exclude<A, null>, E | TimeoutError, R> =>
  timingOut(self, (exit): Exit.Exit<Exclude<A, null>, E | TimeoutError> =>
    Exit.isSuccess(exit) && exit.value === null ? Exit.fail(timeoutError(what, timeout)) : exit as Exit.Exit<Exclude<A, null>, E>)

/** A wait that fails with `tag` (a queue's `Empty` or `Full`) when its timeout runs out: TimeoutError then. */
export const failWithTimeoutFor = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  tag: "Empty" | "Full",
  what: string,
  timeout: Duration.DurationInput | undefined
): Effect.Effect<A, E | TimeoutError, R> =>
  timingOut(self, (exit): Exit.Exit<A, E | TimeoutError> => {
    if (Exit.isSuccess(exit)) return exit
    const failure = Cause.failureOption(exit.cause)
    const refused = Option.isSome(failure) && (failure.value as { readonly _tag?: unknown } | null)?._tag === tag
    return refused ? Exit.fail(timeoutError(what, timeout)) : exit
  })
