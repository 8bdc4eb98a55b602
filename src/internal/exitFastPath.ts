/**
 * Continuing Effects that may already be Exits (what `unsafe` operations give
 * when they are done at once) without leaving the caller's stack: the result
 * stays an Exit when the continuation gives one, so the compat face can
 * settle it without a fiber; and one that waits keeps the callback form of
 * its wait (see `AwaitKey` in faces.ts), continued.
 */
import { Effect, Exit } from "effect"
import { awaiting, awaitOf } from "./faces.js"

/** Calls `done` with the Exit of `self`: at once when it is one, through its callback form when it has one, else from a fiber. */
export const settle = <A, E>(self: Effect.Effect<A, E>, done: (exit: Exit.Exit<A, E>) => void): void => {
  if (Exit.isExit(self)) return done(self as Exit.Exit<A, E>)
  const wait = awaitOf(self)
  if (wait !== undefined) return wait(done)
  Effect.runCallback(self, { onExit: done })
}

/** `Effect.flatMap`, at once when `self` is already an Exit. */
export const flatMap = <A, E, R, B, E2, R2>(
  self: Effect.Effect<A, E, R>,
  f: (a: A) => Effect.Effect<B, E2, R2>
): Effect.Effect<B, E | E2, R | R2> => {
  if (Exit.isExit(self)) return Exit.isSuccess(self) ? f(self.value as A) : (self as Exit.Exit<never, E>)
  const wait = awaitOf(self)
  const continued = Effect.flatMap(self, f)
  return wait === undefined ? continued : awaiting(continued, (done) =>
    wait((exit) => Exit.isSuccess(exit) ? settle(f(exit.value) as Effect.Effect<B, E2>, done) : done(exit as Exit.Exit<never, E>)))
}

/** Calls `after` with the Exit of `self` once it is done (synchronously when it is one already); gives `self`'s outcome. */
export const onExit = <A, E>(self: Effect.Effect<A, E>, after: (exit: Exit.Exit<A, E>) => void): Effect.Effect<A, E> => {
  if (Exit.isExit(self)) {
    after(self as Exit.Exit<A, E>)
    return self
  }
  const wait = awaitOf(self)
  const continued = Effect.onExit(self, (exit) => Effect.sync(() => after(exit)))
  return wait === undefined ? continued : awaiting(continued, (done) =>
    wait((exit) => {
      after(exit)
      done(exit)
    }))
}

/** `self` with its Exit passed through `f`: at once when `self` is already an Exit, and through its callback form when it has one. */
export const mapExit = <A, E, R, B, E2>(
  self: Effect.Effect<A, E, R>,
  f: (exit: Exit.Exit<A, E>) => Exit.Exit<B, E2>
): Effect.Effect<B, E2, R> => {
  if (Exit.isExit(self)) return f(self as Exit.Exit<A, E>)
  const wait = awaitOf(self)
  const continued = Effect.flatMap(Effect.exit(self), f)
  return wait === undefined ? continued : awaiting(continued, (done) => wait((exit) => done(f(exit))))
}
