/**
 * Failures of calls served to other processes, as they travel: the library's
 * typed errors come back as instances of their class; anything else (a
 * defect in the owner) comes back as a `RemoteError`.
 */
import { Cause, Schema } from "effect"
import * as Errors from "../../Errors.js"

type ErrorClass = new(fields: any) => Error

const classes: Record<string, ErrorClass> = {
  AttributeError: Errors.AttributeError,
  BrokenBarrierError: Errors.BrokenBarrierError,
  Empty: Errors.Empty,
  EOFError: Errors.EOFError,
  Full: Errors.Full,
  IndexError: Errors.IndexError,
  KeyError: Errors.KeyError,
  NotOwnerError: Errors.NotOwnerError,
  OSError: Errors.OSError,
  OwnerGoneError: Errors.OwnerGoneError,
  RemoteError: Errors.RemoteError, // a server's own report of a failure (a manager's unexposed method)
  SerializationError: Errors.SerializationError,
  TimeoutError: Errors.TimeoutError,
  TypeError: Errors.TypeError,
  ValueError: Errors.ValueError
}

export interface EncodedError {
  readonly _tag: string
  readonly message: string
  readonly fields: Record<string, unknown>
  readonly stack?: string
}

const isEncodedError = Schema.is(Schema.Struct({
  _tag: Schema.String,
  message: Schema.String,
  fields: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  stack: Schema.optional(Schema.String)
}))

export const encodeError = (cause: Cause.Cause<unknown>): EncodedError => {
  const error = Cause.squash(cause)
  if (error instanceof Error) {
    const tag = (error as { _tag?: unknown })._tag
    const { _tag: _, ...fields } = { ...error } as Record<string, unknown>
    return typeof tag === "string" && tag in classes
      ? { _tag: tag, message: error.message, fields }
      : { _tag: error.name, message: error.message, fields: {}, ...(error.stack === undefined ? {} : { stack: error.stack }) }
  }
  return { _tag: "Error", message: String(error), fields: {} }
}

/** The error a caller sees for an encoded failure served by process `pid` named `processName`. */
export const decodeError = (encoded: EncodedError, pid: number, processName: string): Error => {
  // What arrives is checked: a malformed error is reported as one, not thrown in the reader.
  if (!isEncodedError(encoded)) {
    return new Errors.RemoteError({
      type: "MalformedError",
      message: `the owner reported a failure this process cannot read: ${String(JSON.stringify(encoded)).slice(0, 200)}`,
      remoteStack: "",
      pid,
      processName,
      fields: {}
    })
  }
  const known = Object.hasOwn(classes, encoded._tag) ? classes[encoded._tag] : undefined
  if (known !== undefined) {
    try {
      return new known({ message: encoded.message, ...encoded.fields })
    } catch {
      // fields that do not fit the class: reported as a RemoteError of that type below
    }
  }
  return new Errors.RemoteError({
    type: encoded._tag,
    message: encoded.message,
    remoteStack: encoded.stack ?? "",
    pid,
    processName,
    fields: {}
  })
}
