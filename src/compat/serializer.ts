/**
 * The codecs for plain TypeScript, with pickle's names: `dumps` turns a value
 * into bytes, `loads` bytes into a value; failures throw `SerializationError`
 * (or a Schema `ParseError` for `forSchema`).
 */
import { Either, type Schema } from "effect"
import * as Serializer from "../Serializer.js"

export interface Codec<A> {
  dumps(value: A): Uint8Array
  loads(bytes: Uint8Array): A
}

const fromSerializer = <A, E>(serializer: Serializer.Serializer<A, E>): Codec<A> => ({
  dumps: (value) => Either.getOrThrowWith(serializer.encode(value), (error) => error),
  loads: (bytes) => Either.getOrThrowWith(serializer.decode(bytes), (error) => error)
})

const unknownCodec = fromSerializer(Serializer.unknown)

/** Encodes with the default codec. */
export const dumps = (value: unknown): Uint8Array => unknownCodec.dumps(value)

/** Decodes what `dumps` produced. */
export const loads = (bytes: Uint8Array): unknown => unknownCodec.loads(bytes)

/** A codec for a Schema's values: encoded on `dumps`, validated and decoded (class instances included) on `loads`. */
export const forSchema = <A, I>(schema: Schema.Schema<A, I, never>): Codec<A> => fromSerializer(Serializer.schema(schema))
