/**
 * Continuing Effects that may already be Exits (what `unsafe` operations give
 * when they are done at once) without leaving the caller's stack: the result
 * stays an Exit when the continuation gives one, so the compat face can
 * settle it without a fiber.
 */
import { Effect, Exit } from "effect"

/** `Effect.flatMap`, at once when `self` is already an Exit. */
export const flatMap = <A, E, R, B, E2, R2>(
  self: Effect.Effect<A, E, R>,
  f: (a: A) => Effect.Effect<B, E2, R2>
): Effect.Effect<B, E | E2, R | R2> =>
  Exit.isExit(self)
    ? Exit.isSuccess(self) ? f(self.value as A) : (self as Exit.Exit<never, E>)
    : Effect.flatMap(self, f)
