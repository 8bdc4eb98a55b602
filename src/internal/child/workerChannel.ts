/**
 * What a pool (`scheduler.ts`) and its worker processes (`worker.ts`) say to
 * each other on each worker's control channel, after the Start message:
 * framed as everywhere else, each frame's first byte its kind. Tasks and
 * results travel many to a frame, each as a 4-byte length and its fields, so
 * that a burst of small tasks costs one write and one wake-up on either side.
 *
 * Plain Node only: the worker loop runs in the child bootstrap, before (and
 * mostly without) Effect.
 */
import { constants } from "node:buffer"
import { type FrameHeadCheck, header } from "../wire/framing.js"
import type { SpanContext } from "./controlMessages.js"

/** Where a task running in a worker finds its AbortSignal: a function on `globalThis` (see `ProcessPool.taskSignal`). */
export const TASK_SIGNAL_KEY = Symbol.for("effect-multiprocessing/taskSignal")

/** Pool → worker: a function the following tasks call (JSON: `DefineMessage`). */
export const DEFINE = 0x44 // "D"
/** Pool → worker: tasks, in the order they are to run. */
export const TASKS = 0x54 // "T"
/** Pool → worker: ids (4 bytes each) of tasks sent and no longer wanted. */
export const CANCEL = 0x43 // "C"
/** Worker → pool: the initializer returned; tasks will run. */
export const READY = 0x52 // "R"
/** Worker → pool: the initializer failed (an `EncodedError`, codec/errors.ts); the worker exits. */
export const INIT_FAILED = 0x49 // "I"
/** Worker → pool: results, in the order the tasks ran. */
export const RESULTS = 0x4f // "O"
/** Worker → pool: over its memory limit after a task; it runs nothing more and exits. */
export const RETIRING = 0x4d // "M"

/** How a task calls its function with its payload. */
export const APPLY = 0 // payload: the argument list
export const MAP = 1 // payload: items, each the one argument of a call
export const STARMAP = 2 // payload: argument lists, one call each

/** Flag on a task's mode: its payload is preceded by the span it runs under (`encodeSpanContext`). */
export const TRACED = 0x80

/** A task's span before its payload: a 2-byte length, then JSON `[traceId, spanId, sampled]`. */
export const encodeSpanContext = (span: SpanContext): Buffer => {
  const json = JSON.stringify([span.traceId, span.spanId, span.sampled])
  const out = Buffer.allocUnsafe(2 + Buffer.byteLength(json))
  out.writeUInt16BE(out.byteLength - 2, 0)
  out.write(json, 2)
  return out
}

/** The span encoded at `at` in `frame`, and where the payload after it starts. */
export const decodeSpanContext = (frame: Buffer, at: number): { readonly span: SpanContext; readonly end: number } => {
  const end = at + 2 + frame.readUInt16BE(at)
  const [traceId, spanId, sampled] = JSON.parse(frame.toString("utf8", at + 2, end)) as [string, string, boolean]
  return { span: { traceId, spanId, sampled }, end }
}

/** How a task ended, first byte of its result. */
export const OK = 0 // payload: the encoded value (a list of values for MAP and STARMAP)
export const RAISED = 1 // payload: EncodedError
export const UNSENDABLE = 2 // payload: EncodedError, the value could not be encoded
export const SOFT_TIME_LIMIT = 3 // no payload
export const CANCELLED = 4 // no payload
export const LOAD_FAILED = 5 // payload: EncodedError, the function would not load
export const BAD_PAYLOAD = 6 // payload: EncodedError, the arguments would not decode

export interface DefineMessage {
  readonly id: number
  readonly target:
    | { readonly _tag: "Inline"; readonly name: string; readonly expression: string }
    | { readonly _tag: "Module"; readonly name: string; readonly url: string; readonly exportName: string }
  readonly typescriptLoader?: string
}

/** What a worker is told at start, beside its initializer as the Start message's target. */
export interface PoolWorkerSettings {
  /** Resident set size in bytes past which the worker retires after a task (billiard's `max_memory_per_child`). */
  readonly maxMemory?: number
}

/** Header of a task inside a TASKS frame, after its length. */
export const TASK_HEADER = 13 // id u32, function u32, mode u8, soft limit ms u32
/** Header of a result inside a RESULTS frame, after its length. */
export const RESULT_HEADER = 5 // id u32, status u8

/**
 * What may start a frame from a worker: a kind a worker sends, with a length
 * that kind can have (no more than one Buffer holds), and for RESULTS a first
 * item that fits the frame, for a task `inflight` says the worker holds, with a
 * known status. Anything else on the channel is not the worker's loop speaking
 * (a task wrote to the descriptor): the pool is told at once, instead of
 * waiting for a length made up of stray bytes.
 */
export const workerFrameHead = (inflight: (id: number) => boolean): FrameHeadCheck => ({
  bytes: 1 + 4 + RESULT_HEADER,
  check: (head, length) => {
    if (length > constants.MAX_LENGTH) throw new Error(`a frame of ${length} bytes, more than a worker can send`)
    const kind = head[0]
    switch (kind) {
      case READY:
      case RETIRING:
        if (length !== 1) throw new Error(`a ${String.fromCharCode(kind)} frame of ${length} bytes instead of 1`)
        return
      case INIT_FAILED:
        if (length < 2) throw new Error("an empty initializer failure")
        return
      case RESULTS: {
        if (length < head.byteLength) throw new Error(`a results frame of ${length} bytes, too short for a result`)
        const itemEnd = 1 + 4 + head.readUInt32BE(1)
        if (itemEnd < head.byteLength || itemEnd > length) throw new Error(`a result that does not fit its frame of ${length} bytes`)
        const id = head.readUInt32BE(5)
        if (!inflight(id)) throw new Error(`a result for task ${id}, which the worker was not given`)
        if (head[9] > BAD_PAYLOAD) throw new Error(`a result of unknown status ${head[9]}`)
        return
      }
      default:
        throw new Error(`a frame of unknown kind ${kind ?? "(empty)"}`)
    }
  }
})

/** A frame of `kind` with `body` bytes, header included, for one write. */
export const controlFrame = (kind: number, body: Uint8Array | undefined = undefined): Buffer => {
  const length = 1 + (body?.byteLength ?? 0)
  const out = Buffer.allocUnsafe(4 + length)
  out.writeInt32BE(length, 0)
  out[4] = kind
  if (body !== undefined) out.set(body, 5)
  return out
}

/**
 * Builds a frame of many items: each `add` appends one with its fixed header
 * fields written by `writeHeader`, then the payload. `take` gives the frame
 * (header included) and starts over; payloads are copied once, there.
 */
export class ItemFrameWriter {
  private parts: Array<Uint8Array> = []
  private size = 0
  count = 0

  constructor(private readonly kind: number, private readonly headerSize: number) {}

  get byteLength(): number {
    return this.size
  }

  /** `prefix`, when given, goes between the fixed header and the payload (a task's span). */
  add(writeHeader: (into: Buffer, at: number) => void, payload: Uint8Array | undefined, prefix?: Uint8Array): void {
    const payloadSize = (payload?.byteLength ?? 0) + (prefix?.byteLength ?? 0)
    const head = Buffer.allocUnsafe(4 + this.headerSize)
    head.writeUInt32BE(this.headerSize + payloadSize, 0)
    writeHeader(head, 4)
    this.parts.push(head)
    if (prefix !== undefined) this.parts.push(prefix)
    if (payload !== undefined && payload.byteLength > 0) this.parts.push(payload)
    this.size += head.byteLength + payloadSize
    this.count++
  }

  take(): Buffer {
    const head = header(1 + this.size) // beyond 2 GiB, the long form
    const body = Buffer.allocUnsafe(head.byteLength + 1 + this.size)
    body.set(head, 0)
    body[head.byteLength] = this.kind
    let at = head.byteLength + 1
    for (const part of this.parts) {
      body.set(part, at)
      at += part.byteLength
    }
    this.parts = []
    this.size = 0
    this.count = 0
    return body
  }
}

/** Calls `each(at, end)` for every item of a frame body (after its kind byte): `at` is where its header starts. */
export const forEachItem = (frame: Buffer, each: (at: number, end: number) => void): void => {
  let at = 1
  while (at + 4 <= frame.byteLength) {
    const end = at + 4 + frame.readUInt32BE(at)
    if (end > frame.byteLength) throw new Error(`a pool frame of ${frame.byteLength} bytes is cut short`)
    each(at + 4, end)
    at = end
  }
  if (at !== frame.byteLength) throw new Error(`a pool frame has ${frame.byteLength - at} stray bytes`)
}
