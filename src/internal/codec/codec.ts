/**
 * The default codec for untyped data: MessagePack (msgpackr) or JSON for plain
 * data, V8's structured serializer for everything else (Map, Set, Date, RegExp,
 * BigInt, typed arrays, cycles, Errors, undefined, -0, NaN …).
 *
 * Why several formats: `v8.serialize` carries all of structured clone but costs
 * a few microseconds per call even for tiny values, while most messages between
 * processes are small plain objects, which msgpackr round-trips faster than
 * JSON and ~4× faster than V8 (with the walk below: 1.2× and 4.8×). A walk that proves a value is plain (exactly
 * representable in JSON) costs ~100 ns, so every message pays at most that and
 * gets the fast format when it can. Figures: docs/serialization.md.
 *
 * One-shot messages (a child's Start message and its outcome) use `encodeLean`:
 * JSON instead of msgpackr for plain data, because loading msgpackr costs a
 * fresh process more (~10–20 ms) than it would ever save on one message.
 *
 * The first byte tells the formats apart: V8 always starts with 0xFF, JSON gets
 * a 'J' (0x4A) prefix, and MessagePack is written bare. A bare MessagePack value
 * can only start with 0xFF or 0x4A when it is a number (negative and positive
 * fixints), so top-level numbers go as JSON.
 *
 * This module must not import `effect`: child processes load it at start-up and
 * Effect's import alone costs several times a bare Node start.
 */
import { createRequire } from "node:module"
import type * as Msgpackr from "msgpackr"
import type * as V8 from "node:v8"
import {
  FUNCTION_ADVICE,
  isNotDataError,
  type NotData,
  NotDataError,
  NotDataKey,
  type PathKey,
  PROMISE_ADVICE,
  SYMBOL_ADVICE
} from "./notData.js"

// Both loaded on first use, so a process pays only for the formats it meets (and the require that loads them too).
let requireHere: NodeJS.Require | undefined
const load = (id: string): unknown => (requireHere ??= createRequire(import.meta.url))(id)
let v8: typeof V8 | undefined
const loadV8 = (): typeof V8 => (v8 ??= load("node:v8") as typeof V8)
let packr: Msgpackr.Packr | undefined
const loadPackr = (): Msgpackr.Packr =>
  (packr ??= new (load("msgpackr") as typeof Msgpackr).Packr({ useRecords: false, int64AsType: "number" }))

const JSON_TAG = 0x4a // "J"
const V8_TAG = 0xff

/** Deeper than this we let V8 take over: it also handles cycles, which the plain formats cannot. */
const MAX_PLAIN_DEPTH = 64

const ObjectPrototype = Object.prototype

/** True when `JSON.parse(JSON.stringify(value))` gives back an equal value: strings, finite numbers, booleans, null, plain objects and dense arrays of them. */
const isPlain = (value: unknown, depth: number): boolean => {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0)
    case "object": {
      if (value === null) return true
      if (depth > MAX_PLAIN_DEPTH) return false
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (!(i in value) || !isPlain(value[i], depth + 1)) return false
        }
        return true
      }
      if (Object.getPrototypeOf(value) !== ObjectPrototype) return false
      for (const key in value) {
        if (key === "toJSON" || key === "__proto__" || !isPlain((value as Record<string, unknown>)[key], depth + 1)) return false
      }
      return true
    }
    default:
      return false
  }
}

const encodeJson = (value: unknown): Uint8Array => {
  const text = JSON.stringify(value)
  const bytes = Buffer.allocUnsafe(Buffer.byteLength(text) + 1)
  bytes[0] = JSON_TAG
  bytes.write(text, 1, "utf8")
  return bytes
}

/**
 * How V8 carries an object, and so what the walks below look into:
 * - "array", "map", "set": their items (and a Map's keys);
 * - "record": its own enumerable string-keyed fields — a plain object, and also
 *   a class instance, which arrives as a plain object of those fields;
 * - "opaque": nothing of ours can be inside (Date, RegExp, binary data, Errors,
 *   boxed primitives).
 */
export const shapeOf = (value: object): "array" | "map" | "set" | "record" | "opaque" => {
  const prototype = Object.getPrototypeOf(value)
  if (prototype === ObjectPrototype || prototype === null) return "record"
  if (Array.isArray(value)) return "array"
  if (value instanceof Map) return "map"
  if (value instanceof Set) return "set"
  if (
    ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof Date || value instanceof RegExp ||
    value instanceof Error || value instanceof SharedArrayBuffer || value instanceof Boolean || value instanceof Number ||
    value instanceof String || value instanceof BigInt
  ) return "opaque"
  return "record"
}

/**
 * How values holding shared primitives cross: rewritten to references before
 * V8 serializes them, and back to proxies after (`internal/revive.ts` installs
 * it). Plain data never holds one, so only the V8 path pays for the walk; and
 * only a value that held one is walked again on arrival (it carries its own tag).
 */
export interface HandleCodec {
  /** Whether `value` travels as a reference (a shared primitive or a proxy, either face). */
  readonly isHandle: (value: object) => boolean
  /** A copy of `value` with each of them replaced by its reference. */
  readonly toWire: (value: unknown) => unknown
  readonly fromWire: (value: unknown) => unknown
}
/**
 * On `globalThis`, so that every copy of this module in a process shares it: a
 * pool worker's loop (in the child bootstrap's bundle) decodes arguments that
 * hold primitives once the library is loaded there.
 */
const HANDLE_CODEC_KEY = Symbol.for("effect-multiprocessing/handleCodec")
const installed = globalThis as { [HANDLE_CODEC_KEY]?: HandleCodec }
/** Whether placeholders of shared primitives can be revived here (the library's `revive.ts` is loaded). */
export const hasHandleCodec = (): boolean => installed[HANDLE_CODEC_KEY] !== undefined
/** First byte of the values that hold shared primitives. */
export const holdsHandles = (bytes: Uint8Array): boolean => bytes[0] === HANDLES_TAG
export const installHandleCodec = (codec: HandleCodec): void => {
  installed[HANDLE_CODEC_KEY] = codec
}

/** V8 bytes after this tag hold placeholders of shared primitives ("H"; never a top-level MessagePack byte here). */
const HANDLES_TAG = 0x48

const noHandles = (): boolean => false

/** Why `value` itself must not cross, or undefined (handles aside: they cross as references). */
const refusal = (value: unknown): NotDataError | undefined => {
  switch (typeof value) {
    case "function":
      return new NotDataError(value.name === "" ? "a function" : `the function ${value.name}`, FUNCTION_ADVICE, value)
    case "symbol":
      return new NotDataError(`the symbol ${value.description ?? ""}`.trimEnd(), SYMBOL_ADVICE, value)
    case "object": {
      if (value === null) return undefined
      const prototype = Object.getPrototypeOf(value)
      // What is refused is marked on its class's prototype: a plain object is not.
      if (prototype === ObjectPrototype || prototype === null) return undefined
      const notData = (value as { [NotDataKey]?: NotData })[NotDataKey]
      if (notData !== undefined) return new NotDataError(notData.what, notData.advice, value)
      return value instanceof Promise ? new NotDataError("a Promise", PROMISE_ADVICE, value) : undefined
    }
    default:
      return undefined
  }
}

/** What V8 copies of an object, one entry at a time, with where each entry is. */
const forEachEntry = (value: object, f: (item: unknown, at: PathKey) => void): void => {
  switch (shapeOf(value)) {
    case "array": {
      const array = value as Array<unknown>
      for (let i = 0; i < array.length; i++) f(array[i], i)
      return
    }
    case "map":
      for (const [key, item] of value as Map<unknown, unknown>) {
        f(key, { mapKey: key })
        f(item, { mapValue: key })
      }
      return
    case "set":
      for (const item of value as Set<unknown>) f(item, { setItem: true })
      return
    case "record":
      for (const key of Object.keys(value)) f((value as Record<string, unknown>)[key], key)
  }
}

/**
 * Walks `value` as V8 will copy it. Throws `NotDataError` for what must not
 * cross — functions, symbols, Promises and the library's objects that live in
 * one process (`notData.ts`), which V8 would refuse with a bare "could not be
 * cloned" or copy as an empty object. Says whether a shared primitive (or
 * proxy) is inside; cycles and shared references are visited once. The hot
 * path: where the refused thing is, `pathTo` finds afterwards.
 */
const scan = (value: unknown, isHandle: (value: object) => boolean, seen: Set<object>): boolean => {
  if (typeof value !== "object") {
    if (typeof value === "function" || typeof value === "symbol") throw refusal(value)
    return false
  }
  if (value === null || seen.has(value)) return false
  seen.add(value)
  if (isHandle(value)) return true
  const prototype = Object.getPrototypeOf(value)
  const plain = prototype === ObjectPrototype || prototype === null
  if (!plain) {
    const refused = refusal(value)
    if (refused !== undefined) throw refused
  }
  let found = false
  switch (plain ? "record" : shapeOf(value)) {
    case "opaque":
      return false
    case "array": {
      const array = value as Array<unknown>
      for (let i = 0; i < array.length; i++) if (scan(array[i], isHandle, seen)) found = true
      return found
    }
    case "map":
      for (const [key, item] of value as Map<unknown, unknown>) {
        if (scan(key, isHandle, seen)) found = true
        if (scan(item, isHandle, seen)) found = true
      }
      return found
    case "set":
      for (const item of value as Set<unknown>) if (scan(item, isHandle, seen)) found = true
      return found
    case "record":
      for (const key of Object.keys(value)) if (scan((value as Record<string, unknown>)[key], isHandle, seen)) found = true
      return found
  }
}

/** Where `culprit` first is in `root`, in the order `scan` walks (handles not entered, as there). */
const pathTo = (root: unknown, culprit: unknown, isHandle: (value: object) => boolean): Array<PathKey> | undefined => {
  const seen = new Set<object>()
  const path: Array<PathKey> = []
  const search = (value: unknown): boolean => {
    if (value === culprit) return true
    if (typeof value !== "object" || value === null || seen.has(value)) return false
    seen.add(value)
    if (isHandle(value)) return false
    let found = false
    forEachEntry(value, (item, at) => {
      if (found) return
      path.push(at)
      if (search(item)) found = true
      else path.pop()
    })
    return found
  }
  return search(root) ? path : undefined
}

/** Walks `value` (see `scan`); a refusal names where it is in `value`. */
const scanNamingThePlace = (value: unknown, isHandle: (value: object) => boolean): boolean => {
  try {
    return scan(value, isHandle, new Set())
  } catch (error) {
    if (!isNotDataError(error) || error.culprit === undefined) throw error
    for (const at of (pathTo(value, error.culprit, isHandle) ?? []).reverse()) error.within(at)
    throw error
  }
}

/**
 * Binary data at least this long inside a value V8 serializes is not copied
 * into the bytes: they end there, and the data follows as its own part, from
 * where it is (see `encodeParts`).
 */
const SPLIT_FROM = 1024 * 1024

type SplittingSerializer = V8.Serializer & { readonly parts: Array<Uint8Array> }
let SplittingSerializer: (new () => SplittingSerializer) | undefined

/**
 * V8's serialization of `value` in parts: `v8.serialize`'s bytes, byte for
 * byte, once joined. Node's serializer writes a typed array's bytes with
 * `writeRawBytes`; for a large one this takes the bytes so far as a part
 * (`releaseBuffer` gives them and starts a new buffer; the serializer's state
 * carries on) and the array's bytes as the next.
 */
const serializeParts = (value: unknown): Array<Uint8Array> => {
  SplittingSerializer ??= class extends loadV8().DefaultSerializer {
    readonly parts: Array<Uint8Array> = []
    override writeRawBytes(bytes: NodeJS.TypedArray): void {
      if (bytes.byteLength < SPLIT_FROM) return super.writeRawBytes(bytes)
      this.parts.push(this.releaseBuffer(), new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    }
  }
  const serializer = new SplittingSerializer()
  serializer.writeHeader()
  serializer.writeValue(value)
  serializer.parts.push(serializer.releaseBuffer())
  return serializer.parts
}

const joined = (parts: ReadonlyArray<Uint8Array>): Uint8Array => parts.length === 1 ? parts[0] : Buffer.concat(parts)

const HANDLES_TAG_PART = Uint8Array.of(HANDLES_TAG)

/** V8's bytes for a value that is not plain, in parts: refused things named, shared primitives as references. */
const encodeV8Parts = (value: unknown): Array<Uint8Array> => {
  const handles = installed[HANDLE_CODEC_KEY]
  if (!scanNamingThePlace(value, handles?.isHandle ?? noHandles) || handles === undefined) return serializeParts(value)
  return [HANDLES_TAG_PART, ...serializeParts(handles.toWire(value))]
}

const encodeV8 = (value: unknown): Uint8Array => joined(encodeV8Parts(value))

/**
 * Encodes a value; throws `NotDataError` for what must not cross (see `scan`),
 * and V8's `DataCloneError` (a `DOMException`) for anything else it cannot carry.
 */
export const encode = (value: unknown): Uint8Array => {
  if (typeof value === "number") return isPlain(value, 0) ? encodeJson(value) : encodeV8(value)
  return isPlain(value, 0) ? loadPackr().pack(value) : encodeV8(value)
}

/**
 * `encode`'s bytes in parts, to be written one after the other: a large
 * binary inside the value (a queue's batch in a message) is a part of its own,
 * not copied. Throws as `encode` does.
 */
export const encodeParts = (value: unknown): ReadonlyArray<Uint8Array> => {
  if (typeof value === "number") return [encode(value)]
  return isPlain(value, 0) ? [loadPackr().pack(value)] : encodeV8Parts(value)
}

/** Like `encode`, but never loads msgpackr: for the one or two messages of a short-lived process. */
export const encodeLean = (value: unknown): Uint8Array => isPlain(value, 0) ? encodeJson(value) : encodeV8(value)

/**
 * A Buffer over the whole of each block that small items are views of (a
 * queue ring's copies, Node's Buffer pool): msgpackr keeps a DataView on the
 * Buffer it reads, and making one for every item costs it 1–2 µs; read as a
 * range of the block's Buffer, an item makes none.
 */
const blocks = new WeakMap<ArrayBufferLike, Buffer>()
const SHARED_BLOCK = 4096

const blockOf = (bytes: Uint8Array): Buffer => {
  let block = blocks.get(bytes.buffer)
  if (block === undefined) {
    block = Buffer.from(bytes.buffer)
    blocks.set(bytes.buffer, block)
  }
  return block
}

/** Decodes what `encode` or `encodeLean` produced; throws on bytes that are none of the formats. */
export const decode = (bytes: Uint8Array): unknown => {
  if (bytes[0] !== JSON_TAG && bytes[0] !== V8_TAG && bytes[0] !== HANDLES_TAG && bytes.buffer.byteLength >= SHARED_BLOCK && bytes.byteLength < SHARED_BLOCK) {
    return loadPackr().unpack(blockOf(bytes), { start: bytes.byteOffset, end: bytes.byteOffset + bytes.byteLength })
  }
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  switch (buffer[0]) {
    case JSON_TAG:
      return JSON.parse(buffer.toString("utf8", 1))
    case V8_TAG:
      return loadV8().deserialize(buffer)
    case HANDLES_TAG: {
      const value = loadV8().deserialize(buffer.subarray(1))
      const handles = installed[HANDLE_CODEC_KEY]
      return handles === undefined ? value : handles.fromWire(value)
    }
    default:
      return loadPackr().unpack(buffer)
  }
}
