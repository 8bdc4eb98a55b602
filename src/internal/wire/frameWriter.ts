/**
 * The sending half of a framed socket: CPython's frames (a 4-byte big-endian
 * length, then the bytes), batched per tick into one write, and a sender held
 * back only when more than SEND_BUFFER waits in the socket.
 */
import type { Socket } from "node:net"
import { Effect } from "effect"
import { OSError } from "../../Errors.js"
import { header } from "./framing.js"
import type { SocketHandle } from "./synchronousRead.js"
import { writeDirect } from "./kernelWait.js"

/**
 * Frames up to this size are copied into the batch of the current tick, which
 * leaves in one write: one syscall, and one trip through Node's stream, for a
 * burst of small messages. Larger ones are written from the sender's buffer.
 */
const BATCHED_FRAME = 64 * 1024
const BATCH_SIZE = 256 * 1024

/**
 * Past this many bytes handed to the socket and not yet written, a send waits for
 * the peer to read: CPython's blocking write waits only when the kernel's buffer
 * is full, so a burst of messages is not held back at Node's 16 KiB mark.
 */
const SEND_BUFFER = 1024 * 1024

export interface FrameWriter {
  /** Frames `bytes`: an Exit when the frame was taken, an Effect waiting for room (or a large frame's write) otherwise. */
  readonly send: (bytes: Uint8Array) => Effect.Effect<void, OSError>
  /** Frames the parts, joined (a message encoded in parts: see codec's `encodeParts`), as `send`; a large frame's parts are written as they are. */
  readonly sendParts: (parts: ReadonlyArray<Uint8Array>) => Effect.Effect<void, OSError>
  /** Writes the frames batched so far now. */
  readonly flush: (orHold?: boolean) => void
  /** Wakes the senders waiting for room (the socket closed). */
  readonly wakeSenders: () => void
  /** When the last send was made (`performance.now()`). */
  readonly lastSend: () => number
}

/**
 * Settled once, so that `.then` queues the batch's write as a microtask: Node's `queueMicrotask`
 * makes an AsyncResource per call (an async id, a bound function, its before/after scope), a
 * noticeable share of a ping-pong's CPU per message.
 */
const SETTLED = Promise.resolve()

/** `handle`: the socket's (see SocketHandle); `hold`/`letGo`: a sender waiting for room holds the process alive meanwhile. */
export const make = (socket: Socket, handle: SocketHandle, hold: () => void, letGo: () => void): FrameWriter => {
  // Bytes handed to the socket and not yet written to the kernel. A send waits while more than
  // SEND_BUFFER of them wait, until the socket is down to half: it keeps writing meanwhile.
  let unwritten = 0
  // The global `performance` is an accessor: every read from optimized code goes through its IC; read once.
  const clock = performance
  let roomWaiters: Array<() => void> = []
  const wakeSenders = () => {
    const woken = roomWaiters
    roomWaiters = []
    for (const wake of woken) wake()
  }
  const write = (chunk: Uint8Array, done?: (error?: Error | null) => void) => {
    unwritten += chunk.byteLength
    socket.write(chunk, (error) => {
      unwritten -= chunk.byteLength
      if (roomWaiters.length > 0 && (error || unwritten <= SEND_BUFFER / 2)) wakeSenders()
      if (heldForStream) flush(true)
      done?.(error)
    })
  }
  const closedForSending = () => new OSError({ message: "send failed: the connection closed" })
  const room = Effect.async<void, OSError>((resume) => {
    if (socket.destroyed || unwritten <= SEND_BUFFER / 2) {
      return resume(socket.destroyed ? Effect.fail(closedForSending()) : Effect.void)
    }
    const wake = () => {
      letGo()
      resume(socket.destroyed ? Effect.fail(closedForSending()) : Effect.void)
    }
    hold()
    roomWaiters.push(wake)
    return Effect.sync(() => {
      if (roomWaiters.includes(wake)) letGo()
      roomWaiters = roomWaiters.filter((waiter) => waiter !== wake)
    })
  })

  // The frames of the current tick, written before the sender goes on, or at once when a receive is
  // about to wait (the peer must have what it is to answer) or the batch is full.
  let batch: Buffer | undefined
  let batched = 0
  let flushQueued = false
  // Whether the batch waits for the socket to finish a write (see `flush`).
  let heldForStream = false
  // Batch buffers the socket has finished writing, for reuse: a steady stream allocates none.
  const spareBatches: Array<Buffer> = []
  /**
   * Writes the batch. With `orHold`, a batch that would only queue behind bytes the stream has
   * not handed to the kernel yet (the kernel's buffer was full) waits for the stream's next
   * written chunk instead, and grows meanwhile: a sender far ahead of its reader then pays one
   * write per batch, not per message. Holding changes nothing the peer can see: those bytes
   * could not have left before the ones in the stream anyway.
   */
  const flush = (orHold = false) => {
    flushQueued = false
    heldForStream = false
    if (batched === 0) return
    // `unwritten > 0`: a write of ours is pending, whose callback flushes what is held.
    if (orHold && unwritten > 0 && socket.writableLength > 0 && !socket.destroyed) {
      heldForStream = true
      return
    }
    // A batch of a few small frames is copied out (from Node's pool) and the batch kept for the
    // next one; a big one is handed to the socket as it is, and comes back once written.
    if (batched <= 4096) {
      // Written to the descriptor directly when everything handed to the stream has reached the
      // kernel (cheaper than a stream write, which counts when a sender flushes after each
      // message); the rest, if the kernel's buffer is full, through the stream.
      const fd = socket.writableLength === 0 ? handle.fd() : undefined
      const wrote = fd === undefined ? 0 : writeDirect(fd, batch!, 0, batched)
      if (wrote < batched) write(Buffer.from(batch!.subarray(wrote, batched)))
    } else {
      const full = batch!
      write(full.subarray(0, batched), (error) => {
        if (!error && spareBatches.length < 4) spareBatches.push(full)
      })
      batch = undefined
    }
    batched = 0
  }
  const flushOrHold = () => flush(true)
  const addToBatch = (bytes: Uint8Array) => {
    const size = 4 + bytes.byteLength
    if (batch !== undefined && batched + size > batch.length) flush()
    batch ??= spareBatches.pop() ?? Buffer.allocUnsafe(BATCH_SIZE)
    batch.writeInt32BE(bytes.byteLength, batched)
    batch.set(bytes, batched + 4)
    batched += size
    if (!flushQueued) {
      flushQueued = true
      // Written before the sender's code goes on past an awaited send, as Python's send has written
      // when it returns (a sender that then computes for long would otherwise hold its message back
      // all that time); sends made without awaiting in between still leave as one write.
      SETTLED.then(flushOrHold)
    }
  }
  let lastSend = -Infinity
  // A send is done once its frame has been copied into the batch, as a blocking write is in CPython
  // once the kernel has it; a large frame, once the socket has written it out of the sender's buffer.
  // Only when more than SEND_BUFFER waits in the socket does a send wait for the peer to read.
  const send = (bytes: Uint8Array): Effect.Effect<void, OSError> => {
    if (socket.destroyed) {
      return Effect.fail(new OSError({ message: "send failed: the connection is closed" }))
    }
    lastSend = clock.now()
    if (bytes.byteLength <= BATCHED_FRAME) {
      addToBatch(bytes)
      if (unwritten + batched < SEND_BUFFER) return Effect.void
      flush()
      return room
    }
    return writeLarge([bytes], bytes.byteLength)
  }
  /** A large frame: its header, then its parts from where they are; done once the socket has written them. */
  const writeLarge = (parts: ReadonlyArray<Uint8Array>, length: number): Effect.Effect<void, OSError> => {
    flush()
    write(header(length))
    let written: Effect.Effect<void, OSError> | undefined
    let resumeSender: ((done: Effect.Effect<void, OSError>) => void) | undefined
    for (let i = 0; i < parts.length - 1; i++) write(parts[i])
    write(parts[parts.length - 1], (error) => {
      written = error ? Effect.fail(new OSError({ message: `send failed: ${error.message}` })) : Effect.void
      resumeSender?.(written)
    })
    return Effect.async<void, OSError>((resume) => {
      if (written !== undefined) resume(written)
      else resumeSender = resume
    })
  }
  const sendParts = (parts: ReadonlyArray<Uint8Array>): Effect.Effect<void, OSError> => {
    if (parts.length === 1) return send(parts[0])
    let length = 0
    for (const part of parts) length += part.byteLength
    if (length <= BATCHED_FRAME || socket.destroyed) return send(Buffer.concat(parts, length))
    lastSend = clock.now()
    return writeLarge(parts, length)
  }

  return { send, sendParts, flush, wakeSenders, lastSend: () => lastSend }
}
