/**
 * Python's `Condition.wait_for`, for either backend's Condition: the
 * predicate first, then a wait and the predicate again after each wake-up,
 * at most `limit` in all; the predicate's last answer.
 */
import { Duration, Effect } from "effect"

export const waitingFor = <E, R, W>(
  predicate: Effect.Effect<boolean, E, R>,
  limit: Duration.Duration | undefined,
  wait: (left: Duration.Duration | undefined) => Effect.Effect<boolean, W>
): Effect.Effect<boolean, E | W, R> => {
  const deadline = limit === undefined || !Duration.isFinite(limit) ? undefined : performance.now() + Duration.toMillis(limit)
  const loop: Effect.Effect<boolean, E | W, R> = Effect.flatMap(predicate, (holds) => {
    if (holds) return Effect.succeed(true)
    const left = deadline === undefined ? undefined : deadline - performance.now()
    if (left !== undefined && left <= 0) return Effect.succeed(false)
    return Effect.zipRight(wait(left === undefined ? undefined : Duration.millis(left)), loop)
  })
  return loop
}
