/**
 * Errors as they travel between processes, the one way every path uses (a
 * served call's failure, a Process target's outcome, a pool task's result):
 * encoded here as plain data, decoded by `decodeError.ts` into the library's
 * class of the same tag, or a `RemoteError` for anything else.
 *
 * The two sides are two files because this one must not import `effect`: the
 * child bootstrap and the pool worker encode failures before Effect is loaded
 * (if it ever is), while decoding needs the classes of `Errors.ts`.
 */
import type { EncodedError } from "../../Errors.js"
import { encodeLean } from "./codec.js"

export type { EncodedError }

const MAX_CAUSES = 8

/** `value` if the codec can carry it, else its `String`. */
const portable = (value: unknown): unknown => {
  try {
    encodeLean(value)
    return value
  } catch {
    return String(value)
  }
}

/** Any thrown value as an `EncodedError`; never throws. Keys are left out rather than undefined, to stay on the codec's plain path. */
export const encodeError = (error: unknown, depth = 0): EncodedError => {
  if (!(error instanceof Error)) {
    let message: string
    try {
      message = typeof error === "string" ? error : JSON.stringify(error) ?? String(error)
    } catch {
      message = String(error)
    }
    return { type: typeof error, message, fields: {} }
  }
  const fields: Record<string, unknown> = {}
  for (const key of Object.keys(error)) {
    if (key !== "cause" && key !== "_tag" && key !== "message" && key !== "stack" && key !== "name") {
      fields[key] = portable((error as unknown as Record<string, unknown>)[key])
    }
  }
  const tag = (error as { _tag?: unknown })._tag
  // `class QuotaError extends Error {}` keeps the name "Error": its class names it better.
  const type = typeof tag === "string" ? tag : error.name === "Error" && error.constructor?.name ? error.constructor.name : error.name
  return {
    type,
    message: error.message,
    fields,
    ...(typeof tag === "string" ? { tagged: true } : {}),
    ...(typeof error.stack === "string" ? { stack: error.stack } : {}),
    ...(error.cause !== undefined && depth < MAX_CAUSES ? { cause: encodeError(error.cause, depth + 1) } : {})
  }
}
