/**
 * A stream socket carrying CPython-framed messages, as Effects: the transport
 * under connections (the handshake first, then `sendBytes`/`recvBytes`).
 * Messages are kept in arrival order until taken (reading starts with the
 * first receive); the peer's end of file, or a
 * frame beyond the size limit, ends the stream, and every receive after the
 * messages already queued fails with the reason.
 *
 * A socket whose descriptor other processes hold too (an end handed to a child,
 * on both sides) is read the way CPython reads it: one frame at a time, only for
 * a receive, exactly its bytes; `poll` only watches. What this process does not
 * receive stays in the kernel for the other holders (see `unsafeShare`).
 */
import type { Socket } from "node:net"
import { Duration, Effect, Option } from "effect"
import { EOFError, OSError } from "../../Errors.js"
import { descriptorOf, readNow, SPIN_MS, spinScratch, writeNow } from "./synchronousRead.js"
import { FrameDecoder, header } from "./framing.js"
import { OPEN_SOCKETS_KEY, type OpenSocket } from "../process/processGlobals.js"
import * as WallClock from "../wallClock.js"
import { SpinPolicy } from "./spinPolicy.js"

/**
 * This process's open connections, for the child bootstrap to flush before
 * exiting; others may add an entry that queues what must still leave on a
 * socket (a queue proxy's pending items) and flushes it.
 */
export const openSockets = (): Set<OpenSocket> => {
  const g = globalThis as Record<symbol, Set<OpenSocket> | undefined>
  if (g[OPEN_SOCKETS_KEY] === undefined) {
    g[OPEN_SOCKETS_KEY] = new Set()
    // `process.exit()` runs no pending ticks: frames batched for the end of this tick are written
    // now (libuv writes at once when nothing is queued before them), as a blocking write would have.
    process.once("exit", () => {
      for (const open of g[OPEN_SOCKETS_KEY]!) open.flush()
    })
  }
  return g[OPEN_SOCKETS_KEY]
}

export type ReceiveError = EOFError | OSError

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

/**
 * Past this many bytes of messages received and not yet taken, the socket stops
 * reading until they are down to a quarter: a fast sender is held back by the
 * kernel's buffers, as a Python receiver that reads only on `recv` holds it,
 * and the receiver's memory stays bounded. Small, so that few messages wait long enough
 * to be promoted out of V8's young generation (1 MiB measured 1.2×, 256 KiB 1.5× Python
 * in `pipe_bytes_1k_msgs_per_s` after other work in the same process).
 */
const RECEIVE_BUFFER = 256 * 1024

/** A receive that would wait, on an end that has sent within this long, first reads the socket itself (see `directRead.ts`). */
const RECENT_SEND_MS = 1

/**
 * The `unsafe` operations act at once and return an Exit when they are done
 * (a message was queued, the socket took the frame); otherwise an Effect that
 * waits. Callers that can settle an Exit without running a fiber (the compat
 * face) do so; the lazy Effects are these operations suspended.
 */
export interface FramedSocket {
  readonly sendBytes: (bytes: Uint8Array) => Effect.Effect<void, OSError>
  readonly unsafeSendBytes: (bytes: Uint8Array) => Effect.Effect<void, OSError>
  /** The next message; fails (and the socket stops reading) if it is longer than `maxLength`. */
  readonly recvBytes: (maxLength: number) => Effect.Effect<Uint8Array, ReceiveError>
  readonly unsafeRecvBytes: (maxLength: number) => Effect.Effect<Uint8Array, ReceiveError>
  /** Whether a receive would not wait (a message is queued, or the stream has ended), waiting up to `timeout`. */
  readonly poll: (timeout: Duration.DurationInput) => Effect.Effect<boolean>
  /** Whether a receive would not wait now (starts reading; reads what the kernel already holds). */
  readonly isReady: Effect.Effect<boolean>
  /** Waits until a receive would not wait. */
  readonly awaitReady: Effect.Effect<void>
  /**
   * Push mode, for the library's own channels: every message goes to
   * `onMessage` as it arrives (those already queued, at once), and `onEnd`
   * is called once when the stream ends. Receives are not used after this.
   */
  readonly unsafeDeliver: (onMessage: (message: Buffer) => void, onEnd: (reason: ReceiveError) => void) => void
  /**
   * After a send that expects a reply: reads the socket itself for up to 50 µs
   * (see SPIN_MS), so a quick reply is delivered without a trip through the
   * event loop. Whether a message arrived.
   */
  readonly unsafeSpin: () => boolean
  /** Writes the frames batched so far now, not at the end of the tick. */
  readonly unsafeFlush: () => void
  /** Reads the socket itself, now, until it has nothing more (see unsafeSpin): whether a message arrived. */
  readonly unsafePoll: () => boolean
  /**
   * Whether a message over the limit (of the receive, or of the socket) was refused: the
   * socket reads no more (nothing after it can be framed), and every receive fails; sending goes on.
   */
  readonly refusedMessage: boolean
  /** Changes the largest message accepted from now on (256 bytes during the handshake, as CPython). */
  readonly limit: (maxMessageLength: number) => void
  readonly close: Effect.Effect<void>
  /** The OS socket, to hand its descriptor to a child process. */
  readonly socket: Socket
  /**
   * From now on other processes hold this descriptor too (it is being handed to a child): reads
   * take exactly the frames this process receives. Gives the bytes read ahead and not yet
   * received, which belong to the new holder (they were first in the stream), and forgets them.
   */
  readonly unsafeShare: () => Uint8Array
  /** From now on the socket holds the process alive only while a receive or a send waits on it. */
  readonly unsafeHoldOnlyWhileWaiting: () => void
  /** Counts as one more wait (a call awaiting its reply, in push mode) until the matching `unsafeLetGo`. */
  readonly unsafeHold: () => void
  readonly unsafeLetGo: () => void
}

/** Node's stream handle under a socket: what reading needs of it, beyond the public API. */
interface StreamHandle {
  onread: (...args: Array<unknown>) => void
  useUserBuffer(buffer: Uint8Array): void
  readStart(): number
  readStop(): number
  reading?: boolean
}
const handleOf = (socket: Socket): StreamHandle | undefined =>
  ((socket as unknown as { _handle?: StreamHandle | null })._handle) ?? undefined

/** Reads into an empty buffer: libuv then only reports that the descriptor is readable, and reads nothing. */
const NO_BYTES = new Uint8Array(0)

export const make = (
  socket: Socket,
  options?: {
    readonly maxMessageLength?: number
    /** Other processes hold this descriptor too (an end a parent handed over); `unread`: its bytes read ahead there. */
    readonly shared?: { readonly unread?: Uint8Array }
  }
): Effect.Effect<FramedSocket> =>
  Effect.sync(() => {
    // A queue with a moving head: Array#shift is linear once thousands of messages wait.
    let messages: Array<Buffer> = []
    let head = 0
    const decoder = new FrameDecoder(options?.maxMessageLength)
    let ended: ReceiveError | undefined
    // Called, once each, when a message arrives or the stream ends.
    let waiters: Array<() => void> = []
    const signal = () => {
      if (waiters.length === 0) return
      const woken = waiters
      waiters = []
      for (const wake of woken) wake()
    }

    const end = (reason: ReceiveError) => {
      if (ended !== undefined) return
      ended = reason
      if (onEnd !== undefined) {
        pushQueued()
        onEnd(reason)
      }
      signal()
    }
    // Reading starts with the first receive or poll, not before: an end that is handed to
    // another process unread leaves every byte for that process.
    let reading = false
    const startReading = () => {
      if (reading || shared) return
      reading = true
      socket.on("data", received)
      // Sockets are made paused (Pipe, a child's revived end), so that nothing is read before this.
      if (!paused) socket.resume()
    }
    // Push mode (the library's own channels): messages go to `deliver` as they arrive.
    let deliver: ((message: Buffer) => void) | undefined
    let onEnd: ((reason: ReceiveError) => void) | undefined
    /** Messages decoded so far, and when the last one came. */
    let arrivals = 0
    let lastArrival = -Infinity
    // Bytes of the messages queued and not yet taken; reading pauses past RECEIVE_BUFFER.
    let queuedBytes = 0
    let paused = false
    const received = (chunk: Buffer) => {
      const before = messages.length
      try {
        decoder.push(chunk, messages)
      } catch (error) {
        end(new OSError({ message: `bad message from the peer: ${(error as Error).message}` }))
        socket.destroy()
      }
      if (messages.length > before) {
        arrivals += messages.length - before
        lastArrival = performance.now()
        for (let i = before; i < messages.length; i++) queuedBytes += messages[i].length
      }
      pushQueued()
      if (deliver === undefined && !paused && queuedBytes > RECEIVE_BUFFER) {
        paused = true
        socket.pause()
      }
      signal()
    }
    /** In push mode, hands every queued message over. */
    const pushQueued = () => {
      if (deliver === undefined || head === messages.length) return
      queuedBytes = 0
      const batch = head === 0 ? messages : messages.slice(head)
      messages = []
      head = 0
      for (const message of batch) deliver(message)
    }
    // Reads the descriptor directly, in order with what Node has read: only when Node holds
    // nothing unread, and only on an end that has sent since its last message arrived (it
    // waits for a reply). What it reads goes where a 'data' event's bytes go; end of file and
    // errors are left for Node's next read to report. Whether a message arrived.
    let lastSend = -Infinity
    const spinPolicy = new SpinPolicy()
    const spin = (): boolean => {
      const start = performance.now()
      if (lastSend < lastArrival || start - lastSend > RECENT_SEND_MS || !spinPolicy.shouldSpin()) return false
      flush()
      const before = arrivals
      do {
        // Shared: toward the next frame only (true also when the stream ended).
        if (shared) {
          if (!readFrame()) continue
          spinPolicy.ended(true)
          return true
        }
        if (!readOnce()) return false
        if (arrivals > before) {
          spinPolicy.ended(true)
          return true
        }
      } while (performance.now() - start < SPIN_MS)
      spinPolicy.ended(false)
      return false
    }
    /** One read of the descriptor, when that may be done: false when it may not, or the stream ended. */
    const readOnce = (): boolean => {
      const outcome = readSome()
      return outcome !== "stop" && outcome !== "end"
    }
    /**
     * One read: "full" (the scratch buffer filled: there may be more), "read"
     * bytes, found "nothing" there yet, must "stop" (may not read), or found the "end"
     * (of file, or an error; left for Node's next read to report).
     */
    const readSome = (): "full" | "read" | "nothing" | "stop" | "end" => {
      const fd = descriptorOf(socket)
      if (fd === undefined || socket.readableLength > 0 || ended !== undefined || refused) return "stop"
      const scratch = spinScratch()
      const count = readNow(fd, scratch)
      if (count === 0) return "end"
      if (count === undefined) return "nothing"
      received(Buffer.from(scratch.subarray(0, count)))
      return count === scratch.length ? "full" : "read"
    }
    // Shared: frames are read one at a time, exactly, with the descriptor read directly; Node's
    // stream never reads it. Waiting is watching: libuv told to read into no buffer reports that the
    // descriptor is readable (or at its end) and reads nothing.
    let shared = false
    let readableSeen = false
    let watching = false
    // The frame being read: its header, then its body. `unreadAhead`: bytes a parent had read ahead
    // (see unsafeShare), taken before the descriptor.
    const frameHeader = Buffer.allocUnsafe(12)
    let headerFilled = 0
    let body: Buffer | undefined
    let bodyFilled = 0
    let unreadAhead: Uint8Array | undefined
    const watch = () => {
      const handle = handleOf(socket)
      if (watching || handle === undefined) return
      watching = true
      handle.readStart()
    }
    const unwatch = () => {
      if (!watching) return
      watching = false
      handleOf(socket)?.readStop()
    }
    const onReadable = () => {
      // Level-triggered: left watching, it would report the same bytes on every turn.
      unwatch()
      readableSeen = true
      signal()
    }
    const share = () => {
      if (shared) return
      shared = true
      const handle = handleOf(socket)
      if (handle !== undefined) {
        handle.onread = onReadable
        handle.useUserBuffer(NO_BYTES)
        handle.readStop()
        handle.reading = false
      }
      socket.removeListener("data", received)
      socket.pause()
    }
    /** Reads `into[from, to)` from the bytes read ahead, then the descriptor: the count, 0 at its end, undefined if none yet. */
    const readInto = (into: Buffer, from: number, to: number): number | undefined => {
      if (unreadAhead !== undefined) {
        const count = Math.min(to - from, unreadAhead.length)
        into.set(unreadAhead.subarray(0, count), from)
        unreadAhead = count === unreadAhead.length ? undefined : unreadAhead.subarray(count)
        return count
      }
      const fd = descriptorOf(socket)
      return fd === undefined ? 0 : readNow(fd, into.subarray(from, to))
    }
    /**
     * Reads on toward the next frame, never past it: whether one was completed and queued (or the
     * stream ended). False when the rest has not arrived yet.
     */
    const readFrame = (): boolean => {
      readableSeen = false
      for (;;) {
        if (body === undefined) {
          const large = headerFilled >= 4 && frameHeader.readInt32BE(0) === -1
          const headerLength = large ? 12 : 4
          if (headerFilled < headerLength) {
            const count = readInto(frameHeader, headerFilled, headerLength)
            if (count === undefined) return false
            if (count === 0) return endOfStream(headerFilled === 0)
            headerFilled += count
            continue
          }
          const length = large ? Number(frameHeader.readBigUInt64BE(4)) : frameHeader.readInt32BE(0)
          if (length < 0 || length > decoder.maxLength) {
            end(new OSError({
              message: length < 0
                ? `bad message from the peer: invalid frame length ${length}`
                : `a message of ${length} bytes exceeds the limit of ${decoder.maxLength}`
            }))
            socket.destroy()
            return true
          }
          body = Buffer.allocUnsafe(length)
          bodyFilled = 0
        }
        if (bodyFilled < body.length) {
          const count = readInto(body, bodyFilled, body.length)
          if (count === undefined) return false
          if (count === 0) return endOfStream(false)
          bodyFilled += count
          continue
        }
        messages.push(body)
        queuedBytes += body.length
        arrivals++
        lastArrival = performance.now()
        body = undefined
        headerFilled = 0
        return true
      }
    }
    const endOfStream = (atBoundary: boolean): true => {
      end(
        atBoundary
          ? new EOFError({ message: "the peer closed the connection" })
          : new EOFError({ message: "the peer closed the connection in the middle of a message" })
      )
      return true
    }
    if (options?.shared !== undefined) {
      share()
      if (options.shared.unread !== undefined && options.shared.unread.length > 0) unreadAhead = options.shared.unread
    }

    socket.on("end", () => end(new EOFError({ message: "the peer closed the connection" })))
    socket.on("error", (error) => end(new EOFError({ message: `the connection failed: ${error.message}` })))
    socket.on("close", () => {
      openSockets().delete(open)
      wakeSenders()
      end(new EOFError({ message: "the connection is closed" }))
    })

    // Bytes handed to the socket and not yet written to the kernel. A send waits while more than
    // SEND_BUFFER of them wait, until the socket is down to half: it keeps writing meanwhile.
    let unwritten = 0
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
    // A socket that holds the process only while someone waits on it (a user's Connection, as a
    // Python program with an idle connection still exits) is ref'd for each wait.
    let holdsOnlyWhileWaiting = false
    let waits = 0
    const hold = () => {
      if (waits++ === 0 && holdsOnlyWhileWaiting) socket.ref()
    }
    const letGo = () => {
      if (--waits === 0 && holdsOnlyWhileWaiting) socket.unref()
    }
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
      const frames = batch!.subarray(0, batched)
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
        const fd = socket.writableLength === 0 ? descriptorOf(socket) : undefined
        const wrote = fd === undefined ? 0 : writeNow(fd, frames)
        if (wrote < batched) write(Buffer.from(frames.subarray(wrote)))
      } else {
        const full = batch!
        write(frames, (error) => {
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
        queueMicrotask(flushOrHold)
      }
    }

    const open: OpenSocket = { socket, flush }
    openSockets().add(open)

    /**
     * Everything the kernel holds now, read (a frame larger than a read must not stay
     * half-read): whether it had the end of the stream, which Node's next read reports.
     */
    const readAll = (): boolean => {
      for (let reads = 0; reads < 64; reads++) {
        const outcome = readSome()
        if (outcome !== "full") return outcome === "end"
      }
      return false
    }
    /**
     * Whether a receive would not wait, as Python's select answers it: from the kernel, not
     * from what Node's reading, which starts only on a later turn of the event loop, took in.
     */
    const readyNow = (): boolean => {
      // Shared: nothing is read to answer (the bytes stay in the kernel for whoever receives them).
      if (shared) return ready()
      startReading()
      return ready() || readAll() || ready()
    }
    /** A receive would not wait: a message is queued or the stream has ended. */
    const settled = () => head < messages.length || ended !== undefined
    /** Shared: or the descriptor was readable when last watched (another holder may have read it since). */
    const ready = () => settled() || readableSeen
    /** Calls `onChange` once at the next signal, holding the process meanwhile; gives the undo. */
    const addWaiter = (onChange: () => void): () => void => {
      const wake = () => {
        letGo()
        onChange()
      }
      hold()
      waiters.push(wake)
      if (shared) watch()
      return () => {
        if (waiters.includes(wake)) letGo()
        waiters = waiters.filter((waiter) => waiter !== wake)
        if (waiters.length === 0) unwatch()
      }
    }
    // Resumes at once when the stream has already settled: a wait that begins after the signal (a
    // spinning receive that read the end of the stream, or a bad frame) would otherwise never get one.
    const changed = Effect.async<void>((resume) => {
      if (settled()) return resume(Effect.void)
      const remove = addWaiter(() => resume(Effect.void))
      return Effect.sync(remove)
    })
    /**
     * Shared: whether the descriptor is readable, at most one turn of the event loop from now
     * (libuv reports it in the turn's I/O phase, before `setImmediate` callbacks run).
     */
    const readableNow = Effect.async<boolean>((resume) => {
      if (settled()) return resume(Effect.succeed(true))
      readableSeen = false
      const remove = addWaiter(() => {
        clearImmediate(turn)
        resume(Effect.succeed(true))
      })
      const turn = setImmediate(() => {
        remove()
        resume(Effect.succeed(false))
      })
      return Effect.sync(() => {
        clearImmediate(turn)
        remove()
      })
    })
    const awaitReady: Effect.Effect<void> = Effect.suspend(() => {
      if (shared) {
        // Watching only: the bytes stay in the kernel for whoever receives them.
        if (settled()) return Effect.void
        readableSeen = false
        return changed
      }
      return readyNow() ? Effect.void : Effect.zipRight(changed, awaitReady)
    })

    // A message over a limit: CPython's receive stops there (its length was read, not its bytes), and
    // the connection is unreadable from then on; so is this socket, which stops reading (the kernel
    // then holds the peer back). Sending goes on, as on a CPython connection that stays writable.
    let refused = false
    const refuse = (error: OSError): OSError => {
      refused = true
      messages = []
      head = 0
      queuedBytes = 0
      socket.off("data", received)
      socket.pause()
      end(error)
      return error
    }

    const unsafeRecvBytes = (maxLength: number): Effect.Effect<Uint8Array, ReceiveError> => {
      if (shared) {
        if (head === messages.length && ended === undefined) {
          if (!readFrame() && !spin()) {
            flush()
            return Effect.zipRight(changed, Effect.suspend(() => unsafeRecvBytes(maxLength)))
          }
        }
        if (head === messages.length) return Effect.fail(ended!)
      }
      startReading()
      if (head === messages.length) {
        if (ended !== undefined) return Effect.fail(ended)
        if (decoder.oversized !== undefined) {
          // What comes next is over the limit: nothing this receive may take will arrive before it.
          return Effect.fail(refuse(new OSError({ message: `a message of ${decoder.oversized} bytes exceeds the limit of ${decoder.maxLength}` })))
        }
        if (spin() || ended !== undefined) return unsafeRecvBytes(maxLength)
        flush()
        return Effect.zipRight(changed, Effect.suspend(() => unsafeRecvBytes(maxLength)))
      }
      const next = messages[head++]
      queuedBytes -= next.length
      if (paused && queuedBytes <= RECEIVE_BUFFER / 4) {
        paused = false
        socket.resume()
      }
      if (head === messages.length) {
        messages = []
        head = 0
      } else if (head > 1024 && head * 2 > messages.length) {
        messages = messages.slice(head)
        head = 0
      }
      if (next.length > maxLength) {
        return Effect.fail(refuse(new OSError({ message: `bad message length: ${next.length} > ${maxLength}` })))
      }
      return Effect.succeed(next)
    }

    // A send is done once its frame has been copied into the batch, as a blocking write is in CPython
    // once the kernel has it; a large frame, once the socket has written it out of the sender's buffer.
    // Only when more than SEND_BUFFER waits in the socket does a send wait for the peer to read.
    const unsafeSendBytes = (bytes: Uint8Array): Effect.Effect<void, OSError> => {
      if (socket.destroyed) {
        return Effect.fail(new OSError({ message: "send failed: the connection is closed" }))
      }
      lastSend = performance.now()
      if (bytes.byteLength <= BATCHED_FRAME) {
        addToBatch(bytes)
        if (unwritten + batched < SEND_BUFFER) return Effect.void
        flush()
        return room
      }
      flush()
      write(header(bytes.byteLength))
      let written: Effect.Effect<void, OSError> | undefined
      let resumeSender: ((done: Effect.Effect<void, OSError>) => void) | undefined
      write(bytes, (error) => {
        written = error ? Effect.fail(new OSError({ message: `send failed: ${error.message}` })) : Effect.void
        resumeSender?.(written)
      })
      return Effect.async<void, OSError>((resume) => {
        if (written !== undefined) resume(written)
        else resumeSender = resume
      })
    }

    return {
      sendBytes: (bytes) => Effect.suspend(() => unsafeSendBytes(bytes)),
      unsafeSendBytes,
      recvBytes: (maxLength) => Effect.suspend(() => unsafeRecvBytes(maxLength)),
      unsafeRecvBytes,
      poll: (timeout) =>
        Effect.suspend(() =>
          shared && Duration.isZero(Duration.decode(timeout))
            ? readableNow
            : Effect.map(WallClock.timeoutOption(awaitReady, Duration.decode(timeout)), Option.isSome)
        ),
      isReady: Effect.sync(() => {
        // Shared: the answer is what the last watch saw; a watch starts, to be seen by the next ask.
        if (shared && !ready()) watch()
        return readyNow()
      }),
      awaitReady,
      unsafeDeliver: (onMessage, onEndOfStream) => {
        deliver = onMessage
        onEnd = onEndOfStream
        startReading()
        pushQueued()
        if (paused) {
          paused = false
          socket.resume()
        }
        if (ended !== undefined) onEndOfStream(ended)
      },
      unsafeSpin: () => spin(),
      unsafeFlush: () => flush(),
      unsafePoll: () => {
        const before = arrivals
        readAll()
        return arrivals > before
      },
      get refusedMessage() {
        return refused
      },
      limit: (maxMessageLength) => {
        decoder.maxLength = maxMessageLength
        // Frames that came right behind the handshake, held until now.
        if (decoder.oversized !== undefined) received(Buffer.alloc(0))
      },
      unsafeShare: () => {
        if (shared) return new Uint8Array(0)
        // What Node read and did not hand over yet, then what was decoded and not received: all of
        // it came before anything still in the kernel, so it goes first to the new holder.
        socket.pause()
        const buffered: Array<Buffer> = []
        for (let chunk: Buffer | null; (chunk = socket.read() as Buffer | null) !== null;) buffered.push(chunk)
        share()
        let undecoded = buffered.length
        try {
          for (const chunk of buffered) {
            undecoded--
            decoder.push(chunk, messages)
          }
        } catch {
          // A malformed frame: its bytes go on as they came, for the new holder to fail on.
        }
        // A frame only partly read goes too, whole: its rest is in the kernel, next for the new holder.
        const ahead: Array<Uint8Array> = []
        for (let i = head; i < messages.length; i++) ahead.push(header(messages[i].length), messages[i])
        ahead.push(decoder.takeRest(), ...buffered.slice(buffered.length - undecoded))
        messages = []
        head = 0
        queuedBytes = 0
        if (paused) paused = false
        return Buffer.concat(ahead)
      },
      unsafeHoldOnlyWhileWaiting: () => {
        holdsOnlyWhileWaiting = true
        if (waits === 0) socket.unref()
      },
      unsafeHold: hold,
      unsafeLetGo: letGo,
      // Frames already taken by the socket still go out, as they would have left a blocking
      // write; then the descriptor is closed — not shut down, which would end the
      // connection for another process holding a copy of it.
      close: Effect.sync(() => {
        if (socket.destroyed) return
        flush()
        if (socket.writableLength === 0) socket.destroy()
        else socket.write(Buffer.alloc(0), () => socket.destroy())
      }),
      socket
    }
  })
