/**
 * Connection: one end of a Pipe, or what a Listener accepts and a Client
 * opens — CPython's `Connection` — and `wait`, which watches several
 * connections, listeners and process sentinels at once.
 *
 * @since 0.1.0
 */
import type { Duration, Effect, Sink, Stream } from "effect"
import type { BufferTooShort, EOFError, OSError, ProcessStateError, SerializationError, TypeError, ValueError } from "./Errors.js"
import * as internalConnection from "./internal/connection/connection.js"
import * as internalStreams from "./internal/connection/streams.js"
import * as internalWait from "./internal/connection/wait.js"
import * as internalWaitable from "./internal/connection/waitable.js"

/**
 * @since 0.1.0
 * @category symbols
 */
export const ConnectionTypeId: unique symbol = internalConnection.ConnectionTypeId

/**
 * @since 0.1.0
 * @category symbols
 */
export type ConnectionTypeId = typeof ConnectionTypeId

/**
 * @since 0.1.0
 * @category symbols
 */
export const WaitableTypeId: unique symbol = internalWaitable.WaitableTypeId

/**
 * @since 0.1.0
 * @category symbols
 */
export type WaitableTypeId = typeof WaitableTypeId

/**
 * Whether an object is ready now, and how to wait until it is.
 *
 * @since 0.1.0
 * @category models
 */
export interface Readiness {
  readonly isReady: Effect.Effect<boolean, ProcessStateError>
  readonly awaitReady: Effect.Effect<void, ProcessStateError>
}

/**
 * What `wait` can watch: connections (a message or end of file is waiting),
 * listeners (a connection is waiting) and process sentinels (the process exited).
 *
 * @since 0.1.0
 * @category models
 */
export interface Waitable {
  readonly [WaitableTypeId]: Readiness
}

/**
 * Why a receive failed: the peer closed (`EOFError`), or the socket failed, was
 * closed, or refused a message over its limit (`OSError`).
 *
 * @since 0.1.0
 * @category errors
 */
export type ReceiveError = EOFError | OSError

/**
 * One end of a connection, sending and receiving CPython-framed messages.
 * Objects go through the connection's Serializer (`A` in, `E` its decode
 * failure); bytes go as they are. Closed with the Scope that made it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Connection<A = unknown, E = never> extends Waitable {
  readonly [ConnectionTypeId]: ConnectionTypeId
  /** Whether `close` was called (or the end closed itself, see `recvBytes`). */
  readonly closed: boolean
  /** False for a write-only end, and from a message over the receive's limit on (as CPython's). */
  readonly readable: boolean
  /** False for a read-only end. */
  readonly writable: boolean
  /** Sends `buffer[offset, offset + size)` as one message; offsets and sizes count bytes, whatever the view's element size. */
  sendBytes(buffer: ArrayBufferView | ArrayBufferLike, offset?: number, size?: number): Effect.Effect<void, OSError | ValueError | TypeError>
  /**
   * The next message; one longer than `maxLength` fails and leaves the connection
   * unreadable (write-only), or closes it if it was read-only, as in CPython.
   */
  recvBytes(maxLength?: number): Effect.Effect<Uint8Array, ReceiveError | ValueError>
  /**
   * Reads the next message into `buffer` at `offset` (bytes) and gives its length.
   * A message that does not fit is consumed and fails with `BufferTooShort` carrying all of it.
   */
  recvBytesInto(
    buffer: ArrayBufferView | ArrayBufferLike,
    offset?: number
  ): Effect.Effect<number, ReceiveError | ValueError | TypeError | BufferTooShort>
  /** Encodes `value` and sends it as one message. */
  send(value: A): Effect.Effect<void, OSError | SerializationError | E>
  /** The next message, decoded. */
  readonly recv: Effect.Effect<A, ReceiveError | ValueError | SerializationError | E>
  /**
   * Whether a receive would not wait, waiting up to `timeout`: none (or zero)
   * answers at once, `Duration.infinity` waits without limit (Python's `poll(None)`).
   * A timeout that runs out answers false, in both faces: unlike the other
   * timed waits of the Effect face, no `TimeoutError`, since "no data yet" is
   * the answer a poll asks for.
   */
  poll(timeout?: Duration.DurationInput): Effect.Effect<boolean, OSError | ValueError | TypeError>
  /** Closes this end; frames already sent still leave. */
  readonly close: Effect.Effect<void>
}

/**
 * The objects that are ready: a connection with a message (or end of file)
 * waiting, a listener with a connection waiting, a process that has exited.
 * Waits up to `timeout` for at least one (forever without one); `[]` when it
 * runs out, in both faces (as `poll`, no `TimeoutError`: "none ready" is an
 * answer); a zero or negative timeout answers at once.
 *
 * @since 0.1.0
 * @category combinators
 */
export const wait: <W extends Waitable>(
  objects: ReadonlyArray<W>,
  timeout?: Duration.DurationInput
) => Effect.Effect<Array<W>, ProcessStateError> = internalWait.wait

/**
 * The messages a connection receives, until the peer closes (end of file ends
 * the stream; other errors fail it).
 *
 * @since 0.1.0
 * @category combinators
 */
export const toStream: <A, E>(
  connection: Connection<A, E>
) => Stream.Stream<A, OSError | ValueError | SerializationError | E> = internalStreams.toStream

/**
 * A sink that sends every element through the connection.
 *
 * @since 0.1.0
 * @category combinators
 */
export const toSink: <A, E>(
  connection: Connection<A, E>
) => Sink.Sink<void, A, never, OSError | SerializationError | E> = internalStreams.toSink
