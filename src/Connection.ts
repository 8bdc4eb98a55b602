/**
 * Connection: one end of a Pipe, or what a Listener accepts and a Client
 * opens — CPython's `Connection` — and `wait`, which watches several
 * connections, listeners and process sentinels at once.
 *
 * @since 0.1.0
 */
import { Duration, Effect, Option, Sink, Stream } from "effect"
import type { ProcessStateError } from "./Errors.js"
import type { Connection } from "./Listener.js"
import { type Waitable, WaitableTypeId } from "./internal/connection/waitable.js"
import * as WallClock from "./internal/wallClock.js"

export { ConnectionTypeId } from "./internal/connection/connection.js"
export type { Connection }
export type { Waitable }

const ioTurn = Effect.async<void>((resume) => {
  const immediate = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(immediate))
})

/**
 * The objects that are ready: a connection with a message (or end of file)
 * waiting, a listener with a connection waiting, a process that has exited.
 * Waits up to `timeout` for at least one (forever without one); `[]` when it
 * runs out; a zero or negative timeout answers at once.
 */
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

type RecvError<A, E> = Effect.Effect.Error<Connection<A, E>["recv"]>
type SendError<A, E> = Effect.Effect.Error<ReturnType<Connection<A, E>["send"]>>

/** The messages a connection receives, until the peer closes (end of file ends the stream; other errors fail it). */
export const toStream = <A, E>(connection: Connection<A, E>): Stream.Stream<A, Exclude<RecvError<A, E>, { _tag: "EOFError" }>> =>
  Stream.repeatEffectOption(
    Effect.mapError(connection.recv, (error) =>
      (error as { _tag?: string })._tag === "EOFError"
        ? Option.none()
        : Option.some(error as Exclude<RecvError<A, E>, { _tag: "EOFError" }>))
  )

/** A sink that sends every element through the connection. */
export const toSink = <A, E>(connection: Connection<A, E>): Sink.Sink<void, A, never, SendError<A, E>> =>
  Sink.forEach((value: A) => connection.send(value))
