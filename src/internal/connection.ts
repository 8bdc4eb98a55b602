/**
 * A Connection over a framed socket: CPython's `Connection` methods and their
 * checks (closed handle, read-only or write-only end, offsets and sizes), with
 * objects going through a Serializer.
 */
import { Duration, Effect, Either } from "effect"
import { BufferTooShort, OSError, SerializationError, ValueError } from "../Errors.js"
import * as Serializer from "../Serializer.js"
import * as Eager from "./eager.js"
import { CONNECTION_ADVICE, markNotData } from "./notData.js"
import type { FramedSocket, ReceiveError } from "./framedSocket.js"
import { isChallenge } from "./handshake.js"
import { type Readiness, type Waitable, WaitableTypeId } from "./waitable.js"

export const ConnectionTypeId: unique symbol = Symbol.for("effect-multiprocessing/Connection")

/** No limit but the allocator's: CPython's default `maxlength` is none either. */
const UNLIMITED = Number.MAX_SAFE_INTEGER

/** A newcomer's likely mistake, named: the authkey was given to one end only. */
const explainUndecodable = <E>(bytes: Uint8Array, error: SerializationError | E): SerializationError | E =>
  error instanceof SerializationError && isChallenge(bytes)
    ? new SerializationError({
      message: `${error.message}. This message is an authentication challenge: the peer was given an \`authkey\` ` +
        "and this end was not. Give the Client the same `authkey` as the Listener"
    })
    : error

export class ConnectionImpl<A, E> implements Waitable {
  readonly [ConnectionTypeId] = ConnectionTypeId
  get [WaitableTypeId](): Readiness {
    return { isReady: this.socket.isReady, awaitReady: this.socket.awaitReady }
  }
  private isClosed = false

  constructor(
    private readonly socket: FramedSocket,
    private readonly serializer: Serializer.Serializer<A, E>,
    readonly readable: boolean,
    readonly writable: boolean
  ) {
    // As in Python, an idle connection does not keep a program running; a receive or send waiting does.
    socket.unsafeHoldOnlyWhileWaiting()
  }

  get closed(): boolean {
    return this.isClosed
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

  // Each operation comes twice: `unsafeX` acts at once and returns an Exit when it is
  // already done (see FramedSocket), `x` is the same suspended until run.

  /** Sends `buffer[offset, offset + size)` as one message. */
  sendBytes(buffer: Uint8Array, offset?: number, size?: number): Effect.Effect<void, OSError | ValueError> {
    return Effect.suspend(() => this.unsafeSendBytes(buffer, offset, size))
  }
  unsafeSendBytes(buffer: Uint8Array, offset = 0, size?: number): Effect.Effect<void, OSError | ValueError> {
    const unusable = this.check("write")
    if (unusable) return Effect.fail(unusable)
    const length = buffer.byteLength
    if (offset < 0) return Effect.fail(new ValueError({ message: "offset is negative" }))
    if (length < offset) return Effect.fail(new ValueError({ message: "buffer length < offset" }))
    const count = size ?? length - offset
    if (count < 0) return Effect.fail(new ValueError({ message: "size is negative" }))
    if (offset + count > length) return Effect.fail(new ValueError({ message: "buffer length < offset + size" }))
    return this.socket.unsafeSendBytes(offset === 0 && count === length ? buffer : buffer.subarray(offset, offset + count))
  }

  /** The next message; one longer than `maxLength` fails and leaves the connection unreadable, as in CPython. */
  recvBytes(maxLength?: number): Effect.Effect<Uint8Array, ReceiveError | ValueError> {
    return Effect.suspend(() => this.unsafeRecvBytes(maxLength))
  }
  unsafeRecvBytes(maxLength?: number): Effect.Effect<Uint8Array, ReceiveError | ValueError> {
    if (maxLength !== undefined && maxLength < 0) return Effect.fail(new ValueError({ message: "negative maxlength" }))
    const unusable = this.check("read")
    return unusable ? Effect.fail(unusable) : this.socket.unsafeRecvBytes(maxLength ?? UNLIMITED)
  }

  /**
   * Reads the next message into `buffer` at `offset` and gives its length. A
   * message that does not fit is consumed and fails with `BufferTooShort`
   * carrying all of it.
   */
  recvBytesInto(buffer: Uint8Array, offset?: number): Effect.Effect<number, ReceiveError | ValueError | BufferTooShort> {
    return Effect.suspend(() => this.unsafeRecvBytesInto(buffer, offset))
  }
  unsafeRecvBytesInto(buffer: Uint8Array, offset = 0): Effect.Effect<number, ReceiveError | ValueError | BufferTooShort> {
    const unusable = this.check("read")
    if (unusable) return Effect.fail(unusable)
    if (offset < 0) return Effect.fail(new ValueError({ message: "negative offset" }))
    if (offset > buffer.byteLength) return Effect.fail(new ValueError({ message: "offset too large" }))
    return Eager.flatMap(this.socket.unsafeRecvBytes(UNLIMITED), (message) => {
      if (message.byteLength > buffer.byteLength - offset) return Effect.fail(new BufferTooShort({ data: message }))
      buffer.set(message, offset)
      return Effect.succeed(message.byteLength)
    })
  }

  send(value: A): Effect.Effect<void, OSError | SerializationError | E> {
    return Effect.suspend(() => this.unsafeSend(value))
  }
  unsafeSend(value: A): Effect.Effect<void, OSError | SerializationError | E> {
    const unusable = this.check("write")
    if (unusable) return Effect.fail(unusable)
    const bytes = this.serializer.encode(value)
    return Either.isLeft(bytes) ? Effect.fail(bytes.left) : this.socket.unsafeSendBytes(bytes.right)
  }

  get recv(): Effect.Effect<A, ReceiveError | ValueError | SerializationError | E> {
    return Effect.suspend(() => this.unsafeRecv())
  }
  unsafeRecv(): Effect.Effect<A, ReceiveError | ValueError | SerializationError | E> {
    return Eager.flatMap(this.unsafeRecvBytes(), (bytes) => {
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

  /** Whether a receive would not wait, waiting up to `timeout` (no timeout: answer at once). */
  poll(timeout: Duration.DurationInput = Duration.zero) {
    return Effect.suspend(() => {
      const unusable = this.check("read")
      return unusable ? Effect.fail(unusable) : this.socket.poll(timeout)
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
