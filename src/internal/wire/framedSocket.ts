/**
 * A stream socket carrying CPython-framed messages, as Effects: the transport
 * under connections (the handshake first, then `sendBytes`/`recvBytes`).
 * Messages are kept in arrival order until taken (reading starts with the
 * first receive); the peer's end of file, or a
 * frame beyond the size limit, ends the stream, and every receive after the
 * messages already queued fails with the reason.
 *
 * This file holds the receiving half and the wiring: frames are decoded as
 * Node reads them, or read directly when a receive would wait right after a
 * send (`spin`: after a wait in the kernel where the addon is built, see
 * kernelWait.ts; otherwise a spin, see synchronousRead.ts and spinPolicy.ts). Sending is
 * frameWriter.ts; an end whose descriptor other processes hold too is read
 * exactly, one frame per receive (exactReads.ts, see `unsafeShare`).
 */
import type { Socket } from "node:net"
import { Duration, Effect, Option } from "effect"
import { EOFError, OSError } from "../../Errors.js"
import { SocketHandle, SPIN_MS, spinScratch } from "./synchronousRead.js"
import { type DescriptorRead, ExactReads } from "./exactReads.js"
import * as FrameWriter from "./frameWriter.js"
import { FrameDecoder, header } from "./framing.js"
import { type OpenSocket, openSockets } from "./openSockets.js"
import * as WallClock from "../wallClock.js"
import { SpinPolicy } from "./spinPolicy.js"
import { CAP_MICROS, readDirect, readIntoScratch, readWaiting, WAITED_CAP, WAITED_LOOP, WAITED_UNBOUNDED, WaitPolicy, waitReadable } from "./kernelWait.js"
import { awaiting } from "../faces.js"
import { settle } from "../exitFastPath.js"

export type ReceiveError = EOFError | OSError

/**
 * Past this many bytes of messages received and not yet taken, the socket stops
 * reading until they are down to a quarter: a fast sender is held back by the
 * kernel's buffers, as a Python receiver that reads only on `recv` holds it,
 * and the receiver's memory stays bounded. Small, so that few messages wait long enough
 * to be promoted out of V8's young generation (1 MiB measured 1.2×, 256 KiB 1.5× Python
 * in `pipe_bytes_1k_msgs_per_s` after other work in the same process).
 */
const RECEIVE_BUFFER = 256 * 1024

/** Payloads up to this size are copied byte by byte (Buffer#copy makes a view of its source first). */
const SMALL_COPY = 64

/** A receive that would wait, on an end that has sent within this long, first reads the socket itself (see `synchronousRead.ts`). */
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
  /** `unsafeSendBytes` of the parts joined, without joining them (see frameWriter's `sendParts`). */
  readonly unsafeSendParts: (parts: ReadonlyArray<Uint8Array>) => Effect.Effect<void, OSError>
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
   * After a send that expects a reply: waits for it in the kernel for up to 1 ms
   * where the addon is built (see kernelWait.ts), or reads the socket itself for
   * up to 50 µs (see SPIN_MS), so a quick reply is delivered without a trip
   * through the event loop. Whether a message arrived.
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

export const make = (
  socket: Socket,
  options?: {
    readonly maxMessageLength?: number
    /** Other processes hold this descriptor too (an end a parent handed over); `unread`: its bytes read ahead there. */
    readonly shared?: { readonly unread?: Uint8Array }
  }
): Effect.Effect<FramedSocket> =>
  Effect.sync(() => {
    const handle = new SocketHandle(socket)
    // The global `performance` is an accessor: every read from optimized code goes through its IC; read once.
    const clock = performance
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
      queued(before)
    }
    /** The messages from `before` on were just queued. */
    const queued = (before: number) => {
      if (messages.length > before) {
        arrivals += messages.length - before
        lastArrival = clock.now()
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
    const spinPolicy = new SpinPolicy()
    const spin = (): boolean => {
      const start = clock.now()
      const lastSend = writer.lastSend()
      if (lastSend < lastArrival || start - lastSend > RECENT_SEND_MS) return false
      if (readWaiting !== undefined) return waitPolicy.shouldWait() && waitInKernel(start)
      if (!spinPolicy.shouldSpin()) return false
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
      } while (clock.now() - start < SPIN_MS)
      spinPolicy.ended(false)
      return false
    }
    // With the addon: waits in the kernel for the reply in the read itself, as a blocking read waits
    // (see kernelWait.ts's readWaiting: no poll before the read, half the kernel's work of a poll and
    // a read), and reads on until a message is complete. Whether one arrived (shared: or the stream
    // ended).
    const waitPolicy = new WaitPolicy()
    // When the current wait ends, whether its next read is its first, and why its last read found
    // nothing (WAITED_CAP or WAITED_LOOP).
    let waitUntil = 0
    let firstRead = true
    let waitMissed = WAITED_CAP
    const waitingRead = (fd: number, into: Uint8Array, offset: number, length: number): number | undefined => {
      let cap = CAP_MICROS
      if (firstRead) firstRead = false
      else {
        // The rest of a frame (its body after its header): most often there already.
        const count = readDirect(fd, into, offset, length)
        if (count !== undefined) return count
        cap = (waitUntil - clock.now()) * 1000
        if (!(cap > 0)) {
          waitMissed = WAITED_CAP
          return undefined
        }
      }
      const count = readWaiting!(fd, into, offset, length, cap, handle.bounds(cap))
      if (count >= 0) return count
      if (count === WAITED_UNBOUNDED) {
        handle.unbounded()
        return pollThenRead(fd, into, offset, length, cap)
      }
      waitMissed = count
      return undefined
    }
    /**
     * The first read of a wait, into the scratch buffer (see kernelWait's readIntoScratch): the count, or
     * undefined when nothing came (why: `waitMissed`). `exactLimit` as readIntoScratch's.
     */
    const waitingScratchRead = (fd: number, exactLimit: number): number | undefined => {
      firstRead = false
      const count = readIntoScratch!(fd, CAP_MICROS, handle.bounds(CAP_MICROS), exactLimit)
      if (count >= 0) return count
      if (count === WAITED_UNBOUNDED) {
        handle.unbounded()
        const scratch = spinScratch()
        return pollThenRead(fd, scratch, 0, exactLimit >= 0 ? 4 : scratch.length, CAP_MICROS)
      }
      waitMissed = count
      return undefined
    }
    // A descriptor that takes no receive timeout (not a socket): a wait in the kernel, then a read.
    const pollThenRead = (fd: number, into: Uint8Array, offset: number, length: number, cap: number): number | undefined => {
      const outcome = waitReadable!(fd, cap)
      const count = outcome === "readable" ? readDirect(fd, into, offset, length) : undefined
      if (count === undefined) waitMissed = outcome === "cap" ? WAITED_CAP : WAITED_LOOP
      return count
    }
    const missed = (): false => {
      waitPolicy.ended(waitMissed === WAITED_LOOP ? "loop" : "cap")
      return false
    }
    /** `now`: the clock just read. */
    const waitInKernel = (now: number): boolean => {
      const fd = handle.fd()
      // Not while Node holds bytes it read (they come first), nor once the stream has ended.
      if (fd === undefined || socket.readableLength > 0 || ended !== undefined || refused) return false
      flush()
      const before = arrivals
      waitUntil = now + CAP_MICROS / 1000
      firstRead = true
      // Not held meanwhile (a ref and an unref of the socket per wait): the addon's wait takes a loop
      // with nothing alive for one with nothing to do, as it is while this thread waits.
      if (shared) {
        // Reads on within the frame until it is complete; false when a read found nothing in time.
        if (exact!.atFrameStart) {
          // The header and the body in one call (the common case: a frame that fits the scratch buffer).
          const count = waitingScratchRead(fd, decoder.maxLength)
          if (count === undefined) return missed()
          readableSeen = false
          const frame = exact!.fromStart(spinScratch(), count, decoder.maxLength, waitingRead)
          if (frame === undefined) return missed()
          queueFrame(frame)
        } else if (!readFrame(waitingRead)) return missed()
        waitPolicy.ended("readable")
        return true
      }
      for (;;) {
        const scratch = spinScratch()
        const count = firstRead ? waitingScratchRead(fd, -1) : waitingRead(fd, scratch, 0, scratch.length)
        if (count === undefined) return missed()
        // The end of the stream, or an error: Node's next read reports it.
        if (count === 0) return false
        take(scratch, count)
        if (arrivals > before) break
        if (ended !== undefined || refused) return false
      }
      waitPolicy.ended("readable")
      return true
    }
    /** One read of the descriptor, when that may be done: false when it may not, or the stream ended. */
    const readOnce = (fd?: number): boolean => {
      const outcome = readSome(fd)
      return outcome !== "stop" && outcome !== "end"
    }
    /**
     * One read: "full" (the scratch buffer filled: there may be more), "read"
     * bytes, found "nothing" there yet, must "stop" (may not read), or found the "end"
     * (of file, or an error; left for Node's next read to report).
     */
    const readSome = (known?: number): "full" | "read" | "nothing" | "stop" | "end" => {
      // `known`: the descriptor, just looked up by the caller, which has read nothing since.
      const fd = known ?? handle.fd()
      if (fd === undefined || socket.readableLength > 0 || ended !== undefined || refused) return "stop"
      const scratch = spinScratch()
      const count = readDirect(fd, scratch)
      if (count === 0) return "end"
      if (count === undefined) return "nothing"
      take(scratch, count)
      return count === scratch.length ? "full" : "read"
    }
    /** The `count` bytes just read into `scratch`, framed into messages. */
    const take = (scratch: Buffer, count: number): void => {
      if (count >= 4 && decoder.pending === 0) {
        // The common case of a reply: the read is one whole frame, and nothing waits in the decoder
        // before it; its payload is copied out once, without a chunk for the decoder to frame.
        const length = scratch.readInt32BE(0)
        if (length + 4 === count && length <= decoder.maxLength) {
          const message = Buffer.allocUnsafe(length)
          if (length <= SMALL_COPY) for (let i = 0; i < length; i++) message[i] = scratch[i + 4]
          else scratch.copy(message, 0, 4, count)
          const before = messages.length
          messages.push(message)
          queued(before)
          return
        }
      }
      const chunk = Buffer.allocUnsafe(count)
      scratch.copy(chunk, 0, 0, count)
      received(chunk)
    }
    // Shared: frames are read one at a time, exactly (see exactReads.ts); Node's stream never reads it.
    let shared = false
    let exact: ExactReads | undefined
    let readableSeen = false
    const watch = () => exact?.watch()
    const unwatch = () => exact?.unwatch()
    const share = (unread?: Uint8Array) => {
      if (shared) return
      shared = true
      socket.removeListener("data", received)
      exact = new ExactReads(socket, () => {
        readableSeen = true
        signal()
      }, unread)
    }
    /**
     * Reads on toward the next frame, never past it: whether one was completed and queued (or the
     * stream ended). False when the rest has not arrived yet.
     */
    const readFrame = (read?: DescriptorRead): boolean => {
      readableSeen = false
      const frame = exact!.next(decoder.maxLength, read)
      if (frame === undefined) return false
      queueFrame(frame)
      return true
    }
    /** A frame read exactly, queued; or why the stream ended. */
    const queueFrame = (frame: Buffer | EOFError | OSError): void => {
      if (!Buffer.isBuffer(frame)) return end(frame)
      messages.push(frame)
      queuedBytes += frame.length
      arrivals++
      lastArrival = clock.now()
    }
    if (options?.shared !== undefined) share(options.shared.unread)

    socket.on("end", () => end(new EOFError({ message: "the peer closed the connection" })))
    socket.on("error", (error) => end(new EOFError({ message: `the connection failed: ${error.message}` })))
    socket.on("close", () => {
      openSockets().delete(open)
      writer.wakeSenders()
      end(new EOFError({ message: "the connection is closed" }))
    })

    // A socket that holds the process only while someone waits on it (a user's Connection, as a
    // Python program with an idle connection still exits) is ref'd for each wait.
    let holdsOnlyWhileWaiting = false
    let waits = 0
    const hold = () => {
      if (waits++ === 0 && holdsOnlyWhileWaiting) handle.ref()
    }
    const letGo = () => {
      if (--waits === 0 && holdsOnlyWhileWaiting) handle.unref()
    }
    const writer = FrameWriter.make(socket, handle, hold, letGo)
    const flush = writer.flush

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

    /**
     * A receive that waits for the next change: as an Effect (a fiber), or with a callback (the
     * compat face's Promise), which costs no fiber per message.
     */
    const waitForMessage = (maxLength: number): Effect.Effect<Uint8Array, ReceiveError> =>
      awaiting(Effect.zipRight(changed, Effect.suspend(() => unsafeRecvBytes(maxLength))), (done) => {
        if (settled()) return settle(unsafeRecvBytes(maxLength), done)
        addWaiter(() => settle(unsafeRecvBytes(maxLength), done))
      })

    const unsafeRecvBytes = (maxLength: number): Effect.Effect<Uint8Array, ReceiveError> => {
      if (shared) {
        if (head === messages.length && ended === undefined) {
          // Waiting for a reply in the kernel, it waits before it reads (as `waitInKernel` does): a read
          // that finds nothing is a system call wasted, and most replies are not there yet.
          const waitFirst = readWaiting !== undefined && !exact!.readAhead
          if (!(waitFirst ? spin() || readFrame() : readFrame() || spin())) {
            flush()
            return waitForMessage(maxLength)
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
        return waitForMessage(maxLength)
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

    return {
      sendBytes: (bytes) => Effect.suspend(() => writer.send(bytes)),
      unsafeSendBytes: writer.send,
      unsafeSendParts: writer.sendParts,
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
        if (waits === 0) handle.unref()
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
