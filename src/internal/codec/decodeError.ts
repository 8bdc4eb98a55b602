/**
 * The decoding side of errors as they travel (`errors.ts` encodes them): an
 * error of the library comes back as its own class, anything else as a
 * `RemoteError` with its type, message, stack, fields and cause chain. This is
 * the one place a `RemoteError` is made.
 */
import { Schema, SchemaAST } from "effect"
import * as Errors from "../../Errors.js"
import { RaisedInKey } from "../faces.js"
import type { EncodedError } from "./errors.js"

type ErrorClass = new(fields: any) => Errors.MultiprocessingError

/** The tag of a `Schema.TaggedError` class (its `_tag` field's literal), or undefined for anything else. */
const tagOf = (value: unknown): string | undefined => {
  if (typeof value !== "function" || !(value.prototype instanceof Error)) return undefined
  const tag = (value as { fields?: Record<string, { ast?: unknown }> }).fields?._tag?.ast
  const literal = tag instanceof Schema.PropertySignatureDeclaration ? tag.type : undefined
  return literal !== undefined && SchemaAST.isLiteral(literal) && typeof literal.literal === "string" ? literal.literal : undefined
}

/** Every error class of `Errors.ts` by its tag: derived from the module, so a class added there is known here. */
export const errorClasses: ReadonlyMap<string, ErrorClass> = new Map(
  Object.values(Errors).flatMap((value) => {
    const tag = tagOf(value)
    return tag === undefined ? [] : [[tag, value as ErrorClass] as const]
  })
)

/** What an encoded error must look like: a child's bytes are checked, never trusted. */
export const EncodedErrorSchema: Schema.Schema<EncodedError> = Schema.Struct({
  type: Schema.String,
  tagged: Schema.optional(Schema.Literal(true)),
  message: Schema.String,
  stack: Schema.optional(Schema.String),
  fields: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  cause: Schema.optional(Schema.suspend(() => EncodedErrorSchema))
})
const isEncodedError = Schema.is(EncodedErrorSchema)

/**
 * The error a caller sees for `encoded`, raised in process `pid` named
 * `processName`. A library error keeps its class, fields and the stack where
 * it was raised; fields that do not fit its class make it a `RemoteError` of
 * that type instead. Whatever is not an encoded error is reported as one.
 */
export const decodeError = (encoded: unknown, pid: number, processName: string): Errors.MultiprocessingError =>
  isEncodedError(encoded)
    ? revive(encoded, pid, processName)
    : new Errors.RemoteError({
      type: "MalformedError",
      message: `process ${processName} (pid ${pid}) reported a failure this process cannot read: ${
        String(JSON.stringify(encoded)).slice(0, 200)
      }`,
      remoteStack: "",
      pid,
      processName,
      fields: {}
    })

const revive = (encoded: EncodedError, pid: number, processName: string): Errors.MultiprocessingError => {
  const cause = encoded.cause === undefined ? undefined : revive(encoded.cause, pid, processName)
  const known = encoded.tagged === true ? errorClasses.get(encoded.type) : undefined
  if (known !== undefined) {
    try {
      const error = new known({ message: encoded.message, ...encoded.fields, cause })
      if (encoded.stack !== undefined) {
        error.stack = encoded.stack
        Object.defineProperty(error, RaisedInKey, { value: `${processName} (pid ${pid})`, configurable: true })
      }
      if (cause !== undefined && error.cause === undefined) {
        Object.defineProperty(error, "cause", { value: cause, writable: true, configurable: true })
      }
      return error
    } catch {
      // fields that do not fit the class: a RemoteError of that type below
    }
  }
  return new Errors.RemoteError({
    type: encoded.type,
    message: encoded.message,
    remoteStack: encoded.stack ?? "",
    pid,
    processName,
    fields: encoded.fields,
    cause
  })
}
