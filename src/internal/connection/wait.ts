/**
 * `wait`: the objects among connections, listeners and process sentinels that
 * are ready, waiting up to a timeout for one (Python's `connection.wait`).
 */
import { Duration, Effect, Option } from "effect"
import type { Waitable } from "../../Connection.js"
import type { ProcessStateError } from "../../Errors.js"
import * as WallClock from "../wallClock.js"
import { WaitableTypeId } from "./waitable.js"

const ioTurn = Effect.async<void>((resume) => {
  const immediate = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(immediate))
})

export const wait = <W extends Waitable>(
  objects: ReadonlyArray<W>,
  timeout?: Duration.DurationInput
): Effect.Effect<Array<W>, ProcessStateError> =>
  Effect.gen(function*() {
    // One turn of the event loop first, so that what the OS already holds for us has been read:
    // readiness is known only for data Node has taken in (Python's select asks the kernel).
    // Asking starts a connection reading, so ask once before the turn and once after.
    const check = Effect.filter(objects, (object) => object[WaitableTypeId].isReady)
    const readyNow = Effect.zipRight(Effect.zipRight(check, ioTurn), check)
    const ready = yield* readyNow
    const limit = timeout === undefined ? undefined : Duration.decode(timeout)
    if (ready.length > 0 || objects.length === 0 || (limit !== undefined && Duration.lessThanOrEqualTo(limit, Duration.zero))) {
      return ready
    }
    const any = Effect.raceAll(objects.map((object) => object[WaitableTypeId].awaitReady))
    const woke = limit === undefined ? yield* Effect.asSome(any) : yield* WallClock.timeoutOption(any, limit)
    return Option.isNone(woke) ? [] : yield* readyNow
  })
