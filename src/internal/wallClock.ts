/**
 * The rule for time in the library's own waits: a wait on another process
 * (a queue get, a join, an acquire, a poll, a manager's start …) counts wall
 * time, whatever Clock the caller's fiber has. A TestClock (`it.effect`)
 * moves only when the test says so, but the other process does not follow
 * it: a timeout on it would never fire. So the timer runs on the live clock,
 * and the waited-for Effect keeps the caller's (docs/getting-started.md,
 * "Testing your program"). An `Effect.timeout` the user applies follows the
 * fiber's Clock, as everywhere in Effect.
 */
import { Clock, type Duration, Effect, Option } from "effect"

const wallClock = Clock.make()

/** `timed(self)` with `timed`'s timer on wall time; `self` runs with the caller's Clock. */
const onWallClock = <A, E, R, A2, E2, R2>(
  self: Effect.Effect<A, E, R>,
  timed: (self: Effect.Effect<A, E, R>) => Effect.Effect<A2, E2, R2>
): Effect.Effect<A2, E2, R2> =>
  Effect.clockWith((callers) => Effect.withClock(timed(Effect.withClock(self, callers)), wallClock))

/** `Effect.timeoutOption` on wall time: None if `self` has not ended within `duration`. */
export const timeoutOption = <A, E, R>(self: Effect.Effect<A, E, R>, duration: Duration.DurationInput): Effect.Effect<Option.Option<A>, E, R> =>
  onWallClock(self, Effect.timeoutOption(duration))

/** `Effect.timeout` on wall time: fails with `TimeoutException` if `self` has not ended within `duration`. */
export const timeout = <A, E, R>(self: Effect.Effect<A, E, R>, duration: Duration.DurationInput) =>
  onWallClock(self, Effect.timeout(duration))
