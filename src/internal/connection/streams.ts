/** A Connection as a Stream source and a Sink. */
import { Effect, Option, Sink, Stream } from "effect"
import type { Connection } from "../../Connection.js"
import type { OSError, SerializationError, ValueError } from "../../Errors.js"

export const toStream = <A, E>(connection: Connection<A, E>): Stream.Stream<A, OSError | ValueError | SerializationError | E> =>
  Stream.repeatEffectOption(
    Effect.mapError(connection.recv, (error) =>
      (error as { _tag?: string })._tag === "EOFError"
        ? Option.none()
        : Option.some(error as OSError | ValueError | SerializationError | E))
  )

export const toSink = <A, E>(connection: Connection<A, E>): Sink.Sink<void, A, never, OSError | SerializationError | E> =>
  Sink.forEach((value: A) => connection.send(value))
