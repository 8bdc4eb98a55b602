/**
 * The default codec for untyped data: JSON for plain data, V8's structured
 * serializer for everything else (Map, Set, Date, RegExp, BigInt, typed
 * arrays, cycles, Errors, undefined, -0, NaN …).
 *
 * Why two formats: `v8.serialize` carries all of structured clone but costs a
 * few microseconds per call even for tiny values, while most messages between
 * processes are small plain objects that JSON round-trips 3–4× faster. A walk
 * that proves a value is exactly representable in JSON costs ~100 ns, so every
 * message pays at most that and gets the faster format when it can. The first
 * byte says which format follows. Figures: docs/serialization.md.
 *
 * This module must not import `effect`: child processes load it at start-up and
 * Effect's import alone costs several times a bare Node start.
 */
import { createRequire } from "node:module"
import type * as V8 from "node:v8"

// Loaded on first use: a child whose messages are all JSON never pays for node:v8 (~3 ms).
let v8: typeof V8 | undefined
const loadV8 = (): typeof V8 => (v8 ??= createRequire(import.meta.url)("node:v8") as typeof V8)

/** First byte of a JSON-encoded message. V8's own header byte is 0xFF, so the two never collide. */
const JSON_TAG = 0x4a // "J"

/** Deeper than this we let V8 take over: it also handles cycles, which JSON cannot. */
const MAX_JSON_DEPTH = 64

const ObjectPrototype = Object.prototype

/** True when `JSON.parse(JSON.stringify(value))` gives back an equal value. */
const isJsonExact = (value: unknown, depth: number): boolean => {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0)
    case "object": {
      if (value === null) return true
      if (depth > MAX_JSON_DEPTH) return false
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (!(i in value) || !isJsonExact(value[i], depth + 1)) return false
        }
        return true
      }
      if (Object.getPrototypeOf(value) !== ObjectPrototype) return false
      for (const key in value) {
        if (key === "toJSON" || !isJsonExact((value as Record<string, unknown>)[key], depth + 1)) return false
      }
      return true
    }
    default:
      return false
  }
}

/** Encodes a value; throws V8's `DataCloneError` (a `DOMException`) for what cannot be carried. */
export const encode = (value: unknown): Uint8Array => {
  if (isJsonExact(value, 0)) {
    const text = JSON.stringify(value)
    const bytes = Buffer.allocUnsafe(Buffer.byteLength(text) + 1)
    bytes[0] = JSON_TAG
    bytes.write(text, 1, "utf8")
    return bytes
  }
  return loadV8().serialize(value)
}

/** Decodes what `encode` produced; throws on bytes that are neither format. */
export const decode = (bytes: Uint8Array): unknown => {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (buffer[0] === JSON_TAG) return JSON.parse(buffer.toString("utf8", 1))
  return loadV8().deserialize(buffer)
}

/**
 * An error as plain data, so that it survives any codec with everything a
 * reader needs: its type (`name`, and `_tag` for tagged errors), message,
 * the stack of the process that raised it, its own fields and its cause.
 */
export interface ErrorData {
  readonly name: string
  readonly message: string
  readonly stack: string | undefined
  readonly tag: string | undefined
  readonly fields: Record<string, unknown>
  readonly cause: ErrorData | undefined
}

const toPortable = (value: unknown): unknown => {
  try {
    encode(value)
    return value
  } catch {
    return String(value)
  }
}

/** Captures any thrown value as `ErrorData`; never throws. */
export const errorToData = (error: unknown, depth = 0): ErrorData => {
  if (!(error instanceof Error)) {
    return { name: typeof error, message: safeString(error), stack: undefined, tag: undefined, fields: {}, cause: undefined }
  }
  const fields: Record<string, unknown> = {}
  for (const key of Object.keys(error)) {
    if (key === "cause" || key === "_tag" || key === "message" || key === "stack" || key === "name") continue
    fields[key] = toPortable((error as unknown as Record<string, unknown>)[key])
  }
  const tag = (error as { _tag?: unknown })._tag
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    tag: typeof tag === "string" ? tag : undefined,
    fields,
    cause: error.cause !== undefined && depth < 8 ? errorToData(error.cause, depth + 1) : undefined
  }
}

const safeString = (value: unknown): string => {
  try {
    return typeof value === "string" ? value : JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}
