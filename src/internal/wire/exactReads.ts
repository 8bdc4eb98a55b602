/**
 * Reading a socket whose descriptor other processes hold too (an end handed
 * to a child, on both sides) the way CPython reads it: one frame at a time,
 * only for a receive, exactly its bytes, with the descriptor read directly;
 * Node's stream never reads it. Waiting is watching: libuv told to read into
 * no buffer reports that the descriptor is readable (or at its end) and reads
 * nothing. What this process does not receive stays in the kernel for the
 * other holders.
 */
import type { Socket } from "node:net"
import { EOFError, OSError } from "../../Errors.js"
import { SocketHandle } from "./synchronousRead.js"
import { readDirect } from "./kernelWait.js"

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

/** A read of the descriptor into `into[offset, offset + length)`: the count, 0 at its end, undefined if nothing yet. */
export type DescriptorRead = (fd: number, into: Uint8Array, offset: number, length: number) => number | undefined

/** Reads into an empty buffer: libuv then only reports that the descriptor is readable, and reads nothing. */
const NO_BYTES = new Uint8Array(0)

export class ExactReads {
  private watching = false
  // The frame being read: its header, then its body.
  private readonly frameHeader = Buffer.allocUnsafe(12)
  private headerFilled = 0
  private body: Buffer | undefined
  private bodyFilled = 0
  private readonly descriptor: SocketHandle

  /**
   * From now on `socket` is read only here. `onReadable`: the descriptor was seen readable while
   * watched. `unreadAhead`: bytes a parent had read ahead (see FramedSocket's `unsafeShare`), taken
   * before the descriptor.
   */
  constructor(private readonly socket: Socket, private readonly onReadable: () => void, private unreadAhead?: Uint8Array) {
    this.descriptor = new SocketHandle(socket)
    if (unreadAhead !== undefined && unreadAhead.length === 0) this.unreadAhead = undefined
    const handle = handleOf(socket)
    if (handle !== undefined) {
      handle.onread = () => {
        // Level-triggered: left watching, it would report the same bytes on every turn.
        this.unwatch()
        this.onReadable()
      }
      handle.useUserBuffer(NO_BYTES)
      handle.readStop()
      handle.reading = false
    }
    socket.pause()
  }

  /** Whether bytes read ahead by a parent are still to be taken (they come before the descriptor's). */
  get readAhead(): boolean {
    return this.unreadAhead !== undefined
  }

  watch(): void {
    const handle = handleOf(this.socket)
    if (this.watching || handle === undefined) return
    this.watching = true
    handle.readStart()
  }

  unwatch(): void {
    if (!this.watching) return
    this.watching = false
    handleOf(this.socket)?.readStop()
  }

  /**
   * Reads `into[from, to)` from the bytes read ahead, then the descriptor (with `read`): the count,
   * 0 at its end, undefined if none yet.
   */
  private readInto(into: Buffer, from: number, to: number, read: DescriptorRead): number | undefined {
    const ahead = this.unreadAhead
    if (ahead !== undefined) {
      const count = Math.min(to - from, ahead.length)
      into.set(ahead.subarray(0, count), from)
      this.unreadAhead = count === ahead.length ? undefined : ahead.subarray(count)
      return count
    }
    const fd = this.descriptor.fd()
    return fd === undefined ? 0 : read(fd, into, from, to - from)
  }

  /** Whether the next read begins a frame (nothing of one read yet, no bytes read ahead waiting). */
  get atFrameStart(): boolean {
    return this.unreadAhead === undefined && this.headerFilled === 0 && this.body === undefined
  }

  /**
   * The `count` bytes a read at a frame's start put in `bytes` (its header, then as much of its body
   * as it read, never past it; see the addon's readWaitingScratch): the frame when they hold it
   * whole; otherwise they are kept, and the frame is read on as `next` reads it (with `read`).
   */
  fromStart(bytes: Uint8Array, count: number, maxLength: number, read: DescriptorRead): Buffer | EOFError | OSError | undefined {
    if (count === 0) return endOfStream(true)
    if (count >= 4) {
      const length = (bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]
      if (length >= 0 && length <= maxLength && count === 4 + length) {
        const frame = Buffer.allocUnsafe(length)
        if (length <= 64) for (let i = 0; i < length; i++) frame[i] = bytes[i + 4]
        else frame.set(bytes.subarray(4, count))
        return frame
      }
    }
    const header = Math.min(count, 4)
    for (let i = 0; i < header; i++) this.frameHeader[i] = bytes[i]
    this.headerFilled = header
    if (count > 4) {
      // A body partly read: its length is one the read allowed (at most maxLength).
      const body = this.body = Buffer.allocUnsafe(this.frameHeader.readInt32BE(0))
      body.set(bytes.subarray(4, count))
      this.bodyFilled = count - 4
    }
    return this.next(maxLength, read)
  }

  /**
   * Reads on toward the next frame, never past it: the frame once complete; why the stream ended
   * (end of file, or a frame over `maxLength`: the socket is destroyed); undefined when the rest
   * has not arrived yet. `read`: how the descriptor is read (by default without waiting; a waiting
   * read, see kernelWait's readWaiting, for a receive that waits for a reply).
   */
  next(maxLength: number, read: DescriptorRead = readDirect): Buffer | EOFError | OSError | undefined {
    const header = this.frameHeader
    for (;;) {
      let body = this.body
      if (body === undefined) {
        const large = this.headerFilled >= 4 && header.readInt32BE(0) === -1
        const headerLength = large ? 12 : 4
        if (this.headerFilled < headerLength) {
          const count = this.readInto(header, this.headerFilled, headerLength, read)
          if (count === undefined) return undefined
          if (count === 0) return endOfStream(this.headerFilled === 0)
          this.headerFilled += count
          continue
        }
        const length = large ? Number(header.readBigUInt64BE(4)) : header.readInt32BE(0)
        if (length < 0 || length > maxLength) {
          this.socket.destroy()
          return new OSError({
            message: length < 0
              ? `bad message from the peer: invalid frame length ${length}`
              : `a message of ${length} bytes exceeds the limit of ${maxLength}`
          })
        }
        body = this.body = Buffer.allocUnsafe(length)
        this.bodyFilled = 0
      }
      if (this.bodyFilled < body.length) {
        const count = this.readInto(body, this.bodyFilled, body.length, read)
        if (count === undefined) return undefined
        if (count === 0) return endOfStream(false)
        this.bodyFilled += count
        continue
      }
      this.body = undefined
      this.headerFilled = 0
      return body
    }
  }
}

const endOfStream = (atBoundary: boolean): EOFError =>
  new EOFError({
    message: atBoundary ? "the peer closed the connection" : "the peer closed the connection in the middle of a message"
  })
