/**
 * A stream socket carrying CPython-framed messages, as Effects: the transport
 * under connections (the handshake first, then `sendBytes`/`recvBytes`).
 * Messages are taken in order from a queue filled as frames complete; the
 * peer's end of file, or a frame beyond the size limit, ends the queue and
 * every later receive fails with the reason.
 */
import type { Socket } from "node:net"
import { Deferred, Effect, Option, Queue } from "effect"
import { EOFError, ProcessError } from "../Errors.js"
import { FrameDecoder, header } from "./framing.js"

export type ReceiveError = EOFError | ProcessError

export interface FramedSocket {
  readonly sendBytes: (bytes: Uint8Array) => Effect.Effect<void, ProcessError>
  /** The next message; fails (and the socket stops reading) if it is longer than `maxLength`. */
  readonly recvBytes: (maxLength: number) => Effect.Effect<Uint8Array, ReceiveError>
  readonly close: Effect.Effect<void>
}

export const make = (socket: Socket, options?: { readonly maxMessageLength?: number }): Effect.Effect<FramedSocket> =>
  Effect.gen(function*() {
    const messages = yield* Queue.unbounded<Buffer>()
    const endSignal = yield* Deferred.make<void>()
    const decoder = new FrameDecoder(options?.maxMessageLength)
    let ended: ReceiveError | undefined

    const end = (reason: ReceiveError) => {
      ended ??= reason
      Deferred.unsafeDone(endSignal, Effect.void) // wakes every waiting receive; it then reads `ended`
    }
    socket.on("data", (chunk: Buffer) => {
      try {
        for (const message of decoder.push(chunk)) Effect.runSync(Queue.offer(messages, message))
      } catch (error) {
        end(new ProcessError({ message: `bad message from the peer: ${(error as Error).message}` }))
        socket.destroy()
      }
    })
    socket.on("end", () => end(new EOFError({ message: "the peer closed the connection" })))
    socket.on("error", (error) => end(new EOFError({ message: `the connection failed: ${error.message}` })))
    socket.on("close", () => end(new EOFError({ message: "the connection is closed" })))

    const ended_ = () => Effect.fail(ended ?? new EOFError({ message: "the connection is closed" }))
    // Messages that arrived before the end are still delivered, in order.
    const nextMessage: Effect.Effect<Option.Option<Buffer>> = Effect.flatMap(Queue.poll(messages), (queued) =>
      Option.isSome(queued) || ended !== undefined
        ? Effect.succeed(queued)
        : Effect.race(Effect.asSome(Queue.take(messages)), Effect.as(Deferred.await(endSignal), Option.none())))
    return {
      sendBytes: (bytes) =>
        Effect.async<void, ProcessError>((resume) => {
          socket.write(header(bytes.byteLength))
          socket.write(bytes, (error) =>
            resume(error ? Effect.fail(new ProcessError({ message: `send failed: ${error.message}` })) : Effect.void))
        }),
      recvBytes: (maxLength) =>
        Effect.flatMap(nextMessage, (next) => {
          if (Option.isNone(next)) return ended_()
          if (next.value.length > maxLength) {
            const error = new ProcessError({ message: `bad message length: ${next.value.length} > ${maxLength}` })
            end(error)
            socket.destroy()
            return Effect.fail(error)
          }
          return Effect.succeed(next.value)
        }),
      close: Effect.sync(() => {
        socket.destroy()
      })
    }
  })
