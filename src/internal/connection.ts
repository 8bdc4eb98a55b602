/**
 * A Connection over a framed socket: CPython's `Connection` methods and their
 * checks (closed handle, read-only or write-only end, offsets and sizes), with
 * objects going through a Serializer.
 */
import { Duration, Effect, Either } from "effect"
import { BufferTooShort, OSError, ValueError } from "../Errors.js"
import * as Serializer from "../Serializer.js"
import type { FramedSocket, ReceiveError } from "./framedSocket.js"
import { type Readiness, type Waitable, WaitableTypeId } from "./waitable.js"

export const ConnectionTypeId: unique symbol = Symbol.for("effect-multiprocessing/Connection")

/** No limit but the allocator's: CPython's default `maxlength` is none either. */
const UNLIMITED = Number.MAX_SAFE_INTEGER

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
  ) {}

  get closed(): boolean {
    return this.isClosed
  }

  /** The OS socket under this end, for handing it to a child process. */
  get osSocket() {
    return this.socket.socket
  }

  private check(need: "read" | "write"): Effect.Effect<void, OSError> {
    if (this.isClosed) return Effect.fail(new OSError({ message: "handle is closed" }))
    if (need === "read" && !this.readable) return Effect.fail(new OSError({ message: "connection is write-only" }))
    if (need === "write" && !this.writable) return Effect.fail(new OSError({ message: "connection is read-only" }))
    return Effect.void
  }

  /** Sends `buffer[offset, offset + size)` as one message. */
  sendBytes(buffer: Uint8Array, offset = 0, size?: number): Effect.Effect<void, OSError | ValueError> {
    return Effect.zipRight(
      this.check("write"),
      Effect.suspend((): Effect.Effect<void, OSError | ValueError> => {
        const length = buffer.byteLength
        if (offset < 0) return Effect.fail(new ValueError({ message: "offset is negative" }))
        if (length < offset) return Effect.fail(new ValueError({ message: "buffer length < offset" }))
        const count = size ?? length - offset
        if (count < 0) return Effect.fail(new ValueError({ message: "size is negative" }))
        if (offset + count > length) return Effect.fail(new ValueError({ message: "buffer length < offset + size" }))
        return this.socket.sendBytes(buffer.subarray(offset, offset + count))
      })
    )
  }

  /** The next message; one longer than `maxLength` fails and leaves the connection unreadable, as in CPython. */
  recvBytes(maxLength?: number): Effect.Effect<Uint8Array, ReceiveError | ValueError> {
    if (maxLength !== undefined && maxLength < 0) return Effect.fail(new ValueError({ message: "negative maxlength" }))
    return Effect.zipRight(this.check("read"), this.socket.recvBytes(maxLength ?? UNLIMITED))
  }

  /**
   * Reads the next message into `buffer` at `offset` and gives its length. A
   * message that does not fit is consumed and fails with `BufferTooShort`
   * carrying all of it.
   */
  recvBytesInto(buffer: Uint8Array, offset = 0) {
    return Effect.zipRight(
      this.check("read"),
      Effect.suspend((): Effect.Effect<number, ReceiveError | ValueError | BufferTooShort> => {
        if (offset < 0) return Effect.fail(new ValueError({ message: "negative offset" }))
        if (offset > buffer.byteLength) return Effect.fail(new ValueError({ message: "offset too large" }))
        return Effect.flatMap(this.socket.recvBytes(UNLIMITED), (message) => {
          if (message.byteLength > buffer.byteLength - offset) return Effect.fail(new BufferTooShort({ data: message }))
          buffer.set(message, offset)
          return Effect.succeed(message.byteLength)
        })
      })
    )
  }

  send(value: A) {
    return Effect.zipRight(this.check("write"), Effect.flatMap(this.serializer.encode(value), (bytes) => this.socket.sendBytes(bytes)))
  }

  get recv() {
    return Effect.flatMap(this.recvBytes(), (bytes) => Either.match(this.serializer.decode(bytes), {
      onLeft: Effect.fail,
      onRight: Effect.succeed
    }))
  }

  /** Whether a receive would not wait, waiting up to `timeout` (no timeout: answer at once). */
  poll(timeout: Duration.DurationInput = Duration.zero) {
    return Effect.zipRight(this.check("read"), this.socket.poll(timeout))
  }

  get close(): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.isClosed) return Effect.void
      this.isClosed = true
      return this.socket.close
    })
  }
}
