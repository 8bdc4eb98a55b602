/**
 * A Connection over a framed socket: CPython's `Connection` methods and their
 * checks (closed handle, read-only or write-only end, offsets and sizes), with
 * objects going through a Serializer.
 */
import { Duration, Effect, Either, Option } from "effect"
import { BufferTooShort, OSError, SerializationError, TypeError, ValueError } from "../../Errors.js"
import * as Serializer from "../../Serializer.js"
import type * as Connection from "../../Connection.js"
import type { ReceiveError } from "../../Connection.js"
import * as Eager from "../exitFastPath.js"
import { CallbacksKey, operation } from "../faces.js"
import { CONNECTION_ADVICE, markNotData } from "../codec/notData.js"
import { encodeParts } from "../codec/codec.js"
import type { FramedSocket } from "../wire/framedSocket.js"
import { isChallenge } from "../wire/handshake.js"
import { type Readiness, WaitableTypeId } from "./waitable.js"

export const ConnectionTypeId: Connection.ConnectionTypeId = Symbol.for("effect-multiprocessing/Connection") as Connection.ConnectionTypeId

/** No limit but the allocator's: CPython's default `maxlength` is none either. */
const UNLIMITED = Number.MAX_SAFE_INTEGER

/**
 * The bytes of a bytes-like argument, as Python's `memoryview(buf).cast("B")`:
 * any ArrayBufferView (offsets and sizes count bytes, whatever its element size)
 * or an ArrayBuffer; undefined for anything else.
 */
const bytesOf = (buffer: unknown): Uint8Array | undefined =>
  ArrayBuffer.isView(buffer)
    ? buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
    : buffer instanceof ArrayBuffer || buffer instanceof SharedArrayBuffer
    ? new Uint8Array(buffer)
    : undefined

const kindOf = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "an array" : typeof value === "object" ? (value.constructor?.name ?? "an object") : typeof value

const notBytes = (method: string, buffer: unknown, advice: string) =>
  new TypeError({ message: `${method} takes a bytes-like object (a Uint8Array, Buffer or other ArrayBufferView), not ${kindOf(buffer)}: ${advice}` })

/** An offset or size given by the caller: an integer when given (Python's slice indices must be). */
const notAnIndex = (name: string, value: unknown): TypeError | undefined =>
  value === undefined || Number.isInteger(value)
    ? undefined
    : new TypeError({ message: `${name} must be an integer number of bytes, not ${typeof value === "number" ? value : kindOf(value)}` })

/** A newcomer's likely mistake, named: the authkey was given to one end only. */
const explainUndecodable = <E>(bytes: Uint8Array, error: SerializationError | E): SerializationError | E =>
  error instanceof SerializationError && isChallenge(bytes)
    ? new SerializationError({
      message: `${error.message}. This message is an authentication challenge: the peer was given an \`authkey\` ` +
        "and this end was not. Give the Client the same `authkey` as the Listener"
    })
    : error

export class ConnectionImpl<A, E> implements Connection.Connection<A, E> {
  readonly [ConnectionTypeId]: Connection.ConnectionTypeId = ConnectionTypeId
  get [WaitableTypeId](): Readiness {
    return { isReady: this.socket.isReady, awaitReady: this.socket.awaitReady }
  }
  private isClosed = false

  constructor(
    private readonly socket: FramedSocket,
    private readonly serializer: Serializer.Serializer<A, E>,
    private readonly canRead: boolean,
    readonly writable: boolean
  ) {
    // As in Python, an idle connection does not keep a program running; a receive or send waiting does.
    socket.unsafeHoldOnlyWhileWaiting()
  }

  get closed(): boolean {
    return this.isClosed
  }

  /** False for a write-only end, and from a message over the receive's limit on (as CPython's `_bad_message_length`). */
  get readable(): boolean {
    return this.canRead && !this.socket.refusedMessage
  }

  /** One more wait holding the process alive (see FramedSocket), until `unsafeLetGo`. */
  unsafeHold(): void {
    this.socket.unsafeHold()
  }
  unsafeLetGo(): void {
    this.socket.unsafeLetGo()
  }

  /** The OS socket under this end, for handing it to a child process. */
  get osSocket() {
    return this.socket.socket
  }

  /** This end is being handed to a child: see FramedSocket's `unsafeShare` (the bytes read ahead, for the child). */
  unsafeShare(): Uint8Array {
    return this.socket.unsafeShare()
  }

  private check(need: "read" | "write"): OSError | undefined {
    if (this.isClosed) return new OSError({ message: "handle is closed" })
    if (need === "read" && !this.readable) return new OSError({ message: "connection is write-only" })
    if (need === "write" && !this.writable) return new OSError({ message: "connection is read-only" })
    return undefined
  }

  // Each operation acts at once when run (`operation`): it gives an Exit when it is already done
  // (see FramedSocket), which the compat face settles without a fiber.

  /**
   * What the compat face finds under `CallbacksKey` (its `ConnectionCalls`): the byte operations
   * started at once, with no Effect made per call to carry the start (a ping-pong's every message).
   */
  readonly [CallbacksKey] = {
    sendBytes: (buffer: ArrayBufferView | ArrayBufferLike, offset?: number, size?: number) => this.sendBytesNow(buffer, offset, size),
    recvBytes: (maxLength?: number) => this.recvBytesNow(maxLength)
  }

  sendBytes(buffer: ArrayBufferView | ArrayBufferLike, offset?: number, size?: number): Effect.Effect<void, OSError | ValueError | TypeError> {
    return operation(() => this.sendBytesNow(buffer, offset, size))
  }
  private sendBytesNow(buffer: ArrayBufferView | ArrayBufferLike, offset = 0, size?: number): Effect.Effect<void, OSError | ValueError | TypeError> {
    const unusable = this.check("write")
    if (unusable) return Effect.fail(unusable)
    const bytes = bytesOf(buffer)
    if (bytes === undefined) return Effect.fail(notBytes("sendBytes", buffer, "encode text first (Buffer.from(text)), or use send for objects"))
    const badIndex = notAnIndex("offset", offset) ?? notAnIndex("size", size)
    if (badIndex) return Effect.fail(badIndex)
    const length = bytes.byteLength
    if (offset < 0) return Effect.fail(new ValueError({ message: "offset is negative" }))
    if (length < offset) return Effect.fail(new ValueError({ message: "buffer length < offset" }))
    const count = size ?? length - offset
    if (count < 0) return Effect.fail(new ValueError({ message: "size is negative" }))
    if (offset + count > length) return Effect.fail(new ValueError({ message: "buffer length < offset + size" }))
    return this.socket.unsafeSendBytes(offset === 0 && count === length ? bytes : bytes.subarray(offset, offset + count))
  }

  recvBytes(maxLength?: number): Effect.Effect<Uint8Array, ReceiveError | ValueError> {
    return operation(() => this.recvBytesNow(maxLength))
  }
  private recvBytesNow(maxLength?: number): Effect.Effect<Uint8Array, ReceiveError | ValueError> {
    if (maxLength !== undefined && !(maxLength >= 0)) {
      return Effect.fail(new ValueError({ message: `${Number.isNaN(maxLength) ? "NaN" : "negative"} maxlength` }))
    }
    const unusable = this.check("read")
    if (unusable) return Effect.fail(unusable)
    const received = this.socket.unsafeRecvBytes(maxLength ?? UNLIMITED)
    return Eager.onExit(received, (exit) => this.afterReceive(exit))
  }

  /** A read-only end that refused a message is closed, as CPython's: nothing more can be done with it. */
  private afterReceive<X>(exit: X): X {
    if (this.socket.refusedMessage && !this.writable && !this.isClosed) {
      this.isClosed = true
      Effect.runSync(this.socket.close)
    }
    return exit
  }

  recvBytesInto(
    buffer: ArrayBufferView | ArrayBufferLike,
    offset?: number
  ): Effect.Effect<number, ReceiveError | ValueError | TypeError | BufferTooShort> {
    return operation(() => this.recvBytesIntoNow(buffer, offset))
  }
  private recvBytesIntoNow(
    buffer: ArrayBufferView | ArrayBufferLike,
    offset = 0
  ): Effect.Effect<number, ReceiveError | ValueError | TypeError | BufferTooShort> {
    const unusable = this.check("read")
    if (unusable) return Effect.fail(unusable)
    const bytes = bytesOf(buffer)
    if (bytes === undefined) return Effect.fail(notBytes("recvBytesInto", buffer, "give a buffer to write into, such as Buffer.alloc(size)"))
    const badIndex = notAnIndex("offset", offset)
    if (badIndex) return Effect.fail(badIndex)
    if (offset < 0) return Effect.fail(new ValueError({ message: "negative offset" }))
    if (offset > bytes.byteLength) return Effect.fail(new ValueError({ message: "offset too large" }))
    return Eager.flatMap(this.socket.unsafeRecvBytes(UNLIMITED), (message) => {
      if (message.byteLength > bytes.byteLength - offset) return Effect.fail(new BufferTooShort({ data: message }))
      bytes.set(message, offset)
      return Effect.succeed(message.byteLength)
    })
  }

  send(value: A): Effect.Effect<void, OSError | SerializationError | E> {
    return operation(() => this.unsafeSend(value))
  }
  /** `send`, acting at once: an Exit when the frame was taken (the library's own channels use it). */
  unsafeSend(value: A): Effect.Effect<void, OSError | SerializationError | E> {
    const unusable = this.check("write")
    if (unusable) return Effect.fail(unusable)
    // The default codec's message in parts: a large binary inside (a queue's batch) is written from
    // where it is, not copied into the message. A value it refuses goes to the serializer, which says why.
    if (this.serializer === (Serializer.unknown as Serializer.Serializer<unknown>)) {
      let parts: ReadonlyArray<Uint8Array> | undefined
      try {
        parts = encodeParts(value)
      } catch {
        parts = undefined
      }
      if (parts !== undefined) return this.socket.unsafeSendParts(parts)
    }
    const bytes = this.serializer.encode(value)
    return Either.isLeft(bytes) ? Effect.fail(bytes.left) : this.socket.unsafeSendBytes(bytes.right)
  }

  get recv(): Effect.Effect<A, ReceiveError | ValueError | SerializationError | E> {
    return operation(() => this.recvNow())
  }
  private recvNow(): Effect.Effect<A, ReceiveError | ValueError | SerializationError | E> {
    return Eager.flatMap(this.recvBytesNow(), (bytes) => {
      const value = this.serializer.decode(bytes)
      if (Either.isRight(value)) return Effect.succeed(value.right)
      return Effect.fail(explainUndecodable(bytes, value.left))
    })
  }

  /**
   * Push mode, for the library's own channels: each message, decoded, goes to
   * `onMessage` as it arrives; `onEnd` is called once when the stream ends.
   */
  unsafeDeliver(
    onMessage: (message: Either.Either<A, SerializationError | E>) => void,
    onEnd: (reason: ReceiveError) => void
  ): void {
    this.socket.unsafeDeliver((bytes) => onMessage(this.serializer.decode(bytes)), onEnd)
  }

  /** After a send that expects a reply: reads for it briefly before the event loop would (see FramedSocket). */
  unsafeSpin(): boolean {
    return this.socket.unsafeSpin()
  }

  /** Writes what was sent so far now, not at the end of the tick. */
  unsafeFlush(): void {
    this.socket.unsafeFlush()
  }

  /** One read of the socket itself, now: whether a message arrived (see FramedSocket). */
  unsafePoll(): boolean {
    return this.socket.unsafePoll()
  }

  /**
   * Whether a receive would not wait, waiting up to `timeout`: none (or zero)
   * answers at once, `Duration.infinity` waits without limit (Python's `poll(None)`).
   */
  poll(timeout: Duration.DurationInput = Duration.zero): Effect.Effect<boolean, OSError | ValueError | TypeError> {
    return Effect.suspend((): Effect.Effect<boolean, OSError | ValueError | TypeError> => {
      // Duration.decode would make NaN zero: a computed timeout gone wrong is the caller's to know.
      const duration = Duration.decodeUnknown(timeout)
      if (Option.isNone(duration) || (typeof timeout === "number" && Number.isNaN(timeout))) {
        const what = typeof timeout === "number" ? "NaN" : `not a duration (${kindOf(timeout)})`
        const error = { message: `poll's timeout is ${what}: give a duration (zero answers at once, Duration.infinity waits without limit)` }
        return Effect.fail(typeof timeout === "number" ? new ValueError(error) : new TypeError(error))
      }
      const unusable = this.check("read")
      return unusable ? Effect.fail(unusable) : this.socket.poll(duration.value)
    })
  }

  get close(): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.isClosed) return Effect.void
      this.isClosed = true
      return this.socket.close
    })
  }
}

markNotData(ConnectionImpl, "a Connection", CONNECTION_ADVICE)
