/**
 * A stream socket carrying CPython-framed messages, as Effects: the transport
 * under connections (the handshake first, then `sendBytes`/`recvBytes`).
 * Messages are kept in arrival order until taken (reading starts with the
 * first receive); the peer's end of file, or a
 * frame beyond the size limit, ends the stream, and every receive after the
 * messages already queued fails with the reason.
 */
import type { Socket } from "node:net"
import { Deferred, Duration, Effect, Option } from "effect"
import { EOFError, OSError } from "../Errors.js"
import { FrameDecoder, header } from "./framing.js"
import { OPEN_SOCKETS_KEY } from "./protocol.js"

/** This process's connection sockets, for the child bootstrap to flush before exiting. */
const openSockets = (): Set<Socket> => {
  const g = globalThis as Record<symbol, Set<Socket> | undefined>
  return (g[OPEN_SOCKETS_KEY] ??= new Set())
}

export type ReceiveError = EOFError | OSError

/** Frames up to this size are copied into one buffer with their header: one write, one syscall. */
const SMALL_FRAME = 64 * 1024

export interface FramedSocket {
  readonly sendBytes: (bytes: Uint8Array) => Effect.Effect<void, OSError>
  /** The next message; fails (and the socket stops reading) if it is longer than `maxLength`. */
  readonly recvBytes: (maxLength: number) => Effect.Effect<Uint8Array, ReceiveError>
  /** Whether a receive would not wait (a message is queued, or the stream has ended), waiting up to `timeout`. */
  readonly poll: (timeout: Duration.DurationInput) => Effect.Effect<boolean>
  /** Whether a receive would not wait now (starts reading). */
  readonly isReady: Effect.Effect<boolean>
  /** Waits until a receive would not wait. */
  readonly awaitReady: Effect.Effect<void>
  /** Changes the largest message accepted from now on (256 bytes during the handshake, as CPython). */
  readonly limit: (maxMessageLength: number) => void
  readonly close: Effect.Effect<void>
  /** The OS socket, to hand its descriptor to a child process. */
  readonly socket: Socket
}

export const make = (socket: Socket, options?: { readonly maxMessageLength?: number }): Effect.Effect<FramedSocket> =>
  Effect.sync(() => {
    // A queue with a moving head: Array#shift is linear once thousands of messages wait.
    let messages: Array<Buffer> = []
    let head = 0
    const queued = () => messages.length - head
    const decoder = new FrameDecoder(options?.maxMessageLength)
    let ended: ReceiveError | undefined
    // Completed, and replaced, whenever a message arrives or the stream ends: what waiting receives watch.
    let changed = Deferred.unsafeMake<void>(undefined as never)
    const signal = () => {
      const waiters = changed
      changed = Deferred.unsafeMake<void>(undefined as never)
      Deferred.unsafeDone(waiters, Effect.void)
    }

    const end = (reason: ReceiveError) => {
      ended ??= reason
      signal()
    }
    // Reading starts with the first receive or poll, not before: an end that is handed to
    // another process unread leaves every byte for that process.
    let reading = false
    const startReading = () => {
      if (reading) return
      reading = true
      socket.on("data", (chunk: Buffer) => {
        try {
          for (const message of decoder.push(chunk)) messages.push(message)
        } catch (error) {
          end(new OSError({ message: `bad message from the peer: ${(error as Error).message}` }))
          socket.destroy()
        }
        signal()
      })
    }
    socket.on("end", () => end(new EOFError({ message: "the peer closed the connection" })))
    socket.on("error", (error) => end(new EOFError({ message: `the connection failed: ${error.message}` })))
    socket.on("close", () => {
      openSockets().delete(socket)
      end(new EOFError({ message: "the connection is closed" }))
    })
    openSockets().add(socket)

    const awaitDrain = Effect.async<void, OSError>((resume) => {
      const done = () => {
        socket.off("drain", done)
        socket.off("close", done)
        resume(socket.destroyed ? Effect.fail(new OSError({ message: "send failed: the connection closed" })) : Effect.void)
      }
      socket.on("drain", done)
      socket.on("close", done)
    })

    // Frames sent in the same tick leave in one write (writev): one syscall for a burst of small messages.
    let corked = false
    const coalesce = () => {
      if (corked) return
      corked = true
      socket.cork()
      process.nextTick(() => {
        corked = false
        socket.uncork()
      })
    }

    const ready = () => queued() > 0 || ended !== undefined
    const awaitReady: Effect.Effect<void> = Effect.suspend(() => {
      startReading()
      return ready() ? Effect.void : Effect.zipRight(Deferred.await(changed), awaitReady)
    })

    const take = (maxLength: number): Effect.Effect<Uint8Array, ReceiveError> =>
      Effect.suspend(() => {
        const next = head < messages.length ? messages[head++] : undefined
        if (head > 1024 && head * 2 > messages.length) {
          messages = messages.slice(head)
          head = 0
        }
        if (next === undefined) return Effect.fail(ended!)
        if (next.length > maxLength) {
          const error = new OSError({ message: `bad message length: ${next.length} > ${maxLength}` })
          messages = []
          head = 0
          end(error)
          socket.destroy()
          return Effect.fail(error)
        }
        return Effect.succeed(next)
      })

    return {
      // A send is done once the socket has taken the frame, as a blocking write is in CPython; only when
      // the socket's buffer is full does it wait for the peer to drain it. Small frames go in one write.
      sendBytes: (bytes) =>
        Effect.suspend(() => {
          if (socket.destroyed || ended instanceof OSError) {
            return Effect.fail(new OSError({ message: "send failed: the connection is closed" }))
          }
          coalesce()
          const frame = bytes.byteLength <= SMALL_FRAME ? Buffer.concat([header(bytes.byteLength), bytes]) : undefined
          const flowing = frame !== undefined ? socket.write(frame) : (socket.write(header(bytes.byteLength)), socket.write(bytes))
          return flowing ? Effect.void : awaitDrain
        }),
      recvBytes: (maxLength) => Effect.zipRight(awaitReady, take(maxLength)),
      poll: (timeout) =>
        Effect.map(Effect.timeoutOption(awaitReady, Duration.decode(timeout)), Option.isSome),
      isReady: Effect.sync(() => {
        startReading()
        return ready()
      }),
      awaitReady,
      limit: (maxMessageLength) => {
        decoder.maxLength = maxMessageLength
      },
      // Frames already taken by the socket still go out, as they would have left a blocking
      // write; then the descriptor is closed — not shut down, which would end the
      // connection for another process holding a copy of it.
      close: Effect.sync(() => {
        if (socket.destroyed) return
        if (socket.writableLength === 0) socket.destroy()
        else socket.write(Buffer.alloc(0), () => socket.destroy())
      }),
      socket
    }
  })
