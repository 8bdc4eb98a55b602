/**
 * How values cross a process boundary. Everything that sends data — process
 * arguments and results, and later connections, queues and pools — goes
 * through a `Serializer`:
 *
 * - `Serializer.unknown`, the default, for untyped data: carries at least what
 *   structured clone carries (Map, Set, Date, RegExp, BigInt, typed arrays,
 *   cycles, Errors), with MessagePack as the fast path for plain data.
 * - `Serializer.schema(S)` for typed channels: encodes with the Schema on send,
 *   decodes on receive, fails with a `ParseError` on bad data, and gives back
 *   `Schema.Class` values as instances.
 *
 * Both are synchronous and return an `Either`, which is also an `Effect`: use
 * them in `Effect.gen` with `yield*`, or match on them on a hot path.
 *
 * @since 0.1.0
 */
import { Either, ParseResult, Schema } from "effect"
import { SerializationError } from "./Errors.js"
import * as codec from "./internal/codec/codec.js"
import { isNotDataError, WHAT_CROSSES } from "./internal/codec/notData.js"

/**
 * Encodes values of type `A` to bytes and back; fails with `SerializationError`, or `E` (a Schema's `ParseError`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Serializer<A, E = never> {
  readonly encode: (value: A) => Either.Either<Uint8Array, SerializationError | E>
  readonly decode: (bytes: Uint8Array) => Either.Either<A, SerializationError | E>
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error)).replace(/\.+$/, "")

/**
 * The default codec, for values of any type.
 *
 * @since 0.1.0
 * @category constructors
 */
export const unknown: Serializer<unknown> = {
  encode: (value) => {
    try {
      return Either.right(codec.encode(value))
    } catch (error) {
      return Either.left(
        new SerializationError({
          message: isNotDataError(error)
            ? `cannot serialize this value: ${error.message}` // it says what to do
            : `cannot serialize this value: ${describe(error)}. ${WHAT_CROSSES}`
        })
      )
    }
  },
  decode: (bytes) => {
    try {
      return Either.right(codec.decode(bytes))
    } catch (error) {
      return Either.left(
        new SerializationError({ message: `cannot deserialize ${bytes.byteLength} bytes: ${describe(error)}` })
      )
    }
  }
}

/**
 * A codec for values of a Schema: `encode` runs the Schema's encoding and then
 * the default codec; `decode` the reverse, so the receiver gets the Schema's
 * type (class instances included) or a `ParseError` saying what was wrong.
 *
 * @since 0.1.0
 * @category constructors
 */
export const schema = <A, I>(
  schema: Schema.Schema<A, I, never>
): Serializer<A, ParseResult.ParseError> => {
  const encodeSchema = Schema.encodeEither(schema)
  const decodeSchema = Schema.decodeUnknownEither(schema)
  return {
    encode: (value) => Either.flatMap(encodeSchema(value), unknown.encode),
    decode: (bytes) => Either.flatMap(unknown.decode(bytes), (raw) => decodeSchema(raw))
  }
}
