/**
 * Handshakes of connections not yet authenticated (a Listener's, the resource
 * server's). Each runs on its own as soon as its peer connects, so a slow or
 * idle peer holds only its own slot, never the clients behind it; each has a
 * time limit; and at most `slots` run at once: a newcomer beyond that drops the
 * oldest, so a flood of idle peers never keeps a good client out (the good
 * client answers in microseconds, the flood would have to outpace that).
 * What a pending peer can make us hold is bounded too: the handshake's frames
 * are capped at 256 bytes, and a socket stops reading past its receive buffer.
 */
import type * as net from "node:net"
import { Effect } from "effect"
import { AuthenticationError } from "../../Errors.js"

/** A good peer answers within milliseconds; this leaves room for a loaded machine and a slow network. */
export const HANDSHAKE_TIMEOUT_MS = 10_000

/** Handshakes in progress at most, per Listener or server. */
export const HANDSHAKE_SLOTS = 256

export class Admission {
  /** The peers still in their handshake, oldest first, each with how to drop it. */
  private readonly pending = new Map<net.Socket, (why: string) => void>()

  constructor(
    private readonly slots = HANDSHAKE_SLOTS,
    private readonly timeoutMs = HANDSHAKE_TIMEOUT_MS
  ) {}

  /**
   * Runs `handshake` on `socket` in a slot. A peer that does not finish it in
   * time, or is dropped for a newcomer, has its socket destroyed, and the
   * handshake fails with an AuthenticationError that says so.
   */
  run<A, E>(socket: net.Socket, handshake: Effect.Effect<A, E>): Effect.Effect<A, E | AuthenticationError> {
    return Effect.suspend(() => {
      if (this.pending.size >= this.slots) {
        const [oldest, drop] = this.pending.entries().next().value!
        this.pending.delete(oldest)
        drop(`dropped: ${this.slots} other peers were in their handshake at once and this one was the oldest`)
      }
      let dropped: string | undefined
      const drop = (why: string) => {
        dropped = why
        socket.destroy()
      }
      this.pending.set(socket, drop)
      // Unref'd: a peer in its handshake does not keep the program alive.
      const timer = setTimeout(() => drop(`the peer did not complete the handshake within ${this.timeoutMs / 1000} s`), this.timeoutMs)
      timer.unref()
      return handshake.pipe(
        Effect.mapError((error) => dropped === undefined ? error : new AuthenticationError({ message: dropped })),
        Effect.ensuring(Effect.sync(() => {
          clearTimeout(timer)
          this.pending.delete(socket)
        }))
      )
    })
  }

  /** Drops every peer still in its handshake (the listener closes). */
  closeAll(): void {
    for (const [socket] of this.pending) socket.destroy()
    this.pending.clear()
  }
}
