/**
 * Message framing on a byte stream: a 4-byte big-endian length, then the
 * payload — the framing of CPython's `multiprocessing.connection` (lengths
 * beyond 2 GiB − 1 are sent as −1 followed by an 8-byte length).
 *
 * Plain Node only: the child bootstrap uses it before Effect is loaded.
 */

const LARGE = 0x7fffffff

/** The header for a payload of `length` bytes. */
export const header = (length: number): Buffer => {
  if (length > LARGE) {
    const h = Buffer.allocUnsafe(12)
    h.writeInt32BE(-1, 0)
    h.writeBigUInt64BE(BigInt(length), 4)
    return h
  }
  const h = Buffer.allocUnsafe(4)
  h.writeInt32BE(length, 0)
  return h
}

/** Header and payload in one buffer, for writes of small messages. */
export const frame = (payload: Uint8Array): Buffer => Buffer.concat([header(payload.byteLength), payload])

/**
 * A check of each frame's first `bytes` payload bytes (fewer if the frame is
 * shorter), run once they are in, before the rest is awaited: it throws when
 * they cannot start a frame of `length` bytes. A peer whose stream is not the
 * protocol is then caught at once, not after waiting for a length it made up.
 */
export interface FrameHeadCheck {
  readonly bytes: number
  readonly check: (head: Buffer, length: number) => void
}

/** Bytes a decoder holds behind a frame over its limit before it gives up on the peer. */
const MAX_HELD = 1024 * 1024

/**
 * A frame at least this long that is not all in yet is filled in place: its
 * payload allocated at the announced length once its head is in, and each
 * chunk copied into it as it comes (one copy, and the chunks are let go at
 * once, not held until the last one is in).
 */
const FILL_IN_PLACE = 1024 * 1024

/** A large frame being filled in place (see FILL_IN_PLACE). */
interface Filling {
  readonly payload: Buffer
  filled: number
}

/**
 * Reassembles frames from chunks as they arrive. `push` returns the complete
 * payloads the chunk finished, in order; partial data is kept for the next call.
 * A payload that lies within one chunk is a view of it, not a copy; a large one
 * that spans chunks is copied once, into its own buffer.
 */
export class FrameDecoder {
  private chunks: Array<Buffer> = []
  /** Where the unread bytes start in `chunks[0]`. */
  private offset = 0
  private buffered = 0
  private filling: Filling | undefined

  /**
   * The largest payload accepted. A header announcing more stops decoding there
   * (`oversized`), before anything of that size is buffered: a peer cannot make
   * us allocate it. The limit may then be raised (a handshake is over, and the
   * peer's first messages came right behind it), and decoding goes on with the
   * next `push`; past `MAX_HELD` bytes held behind it, it throws.
   */
  constructor(public maxLength: number = Number.MAX_SAFE_INTEGER, private readonly checkHead?: FrameHeadCheck) {}

  /** Whether the frame decoding stopped at has passed `checkHead`. */
  private headChecked = false

  /** The length of a frame over the limit that decoding stopped at, if any. */
  oversized: number | undefined

  push(chunk: Buffer, into: Array<Buffer> = []): Array<Buffer> {
    if (this.filling !== undefined) {
      const { payload } = this.filling
      const step = Math.min(chunk.length, payload.length - this.filling.filled)
      chunk.copy(payload, this.filling.filled, 0, step)
      this.filling.filled += step
      if (this.filling.filled < payload.length) return into
      this.filling = undefined
      this.headChecked = false
      into.push(payload)
      chunk = chunk.subarray(step)
    }
    if (chunk.length > 0) {
      this.chunks.push(chunk)
      this.buffered += chunk.length
    }
    this.oversized = undefined
    for (;;) {
      const payload = this.next()
      if (payload === undefined) return into
      into.push(payload)
    }
  }

  /** Takes the bytes received but not yet part of a complete frame (to read them elsewhere); the decoder is empty after. */
  takeRest(): Buffer {
    const filling = this.filling
    this.filling = undefined
    this.headChecked = false
    const rest = filling === undefined
      ? Buffer.concat(this.chunks).subarray(this.offset)
      : Buffer.concat([header(filling.payload.length), filling.payload.subarray(0, filling.filled)])
    this.chunks = []
    this.offset = 0
    this.buffered = 0
    this.oversized = undefined
    return rest
  }

  /** Bytes received but not yet part of a complete frame. */
  get pending(): number {
    return this.filling === undefined ? this.buffered : header(this.filling.payload.length).length + this.filling.filled
  }

  private next(): Buffer | undefined {
    if (this.buffered < 4) return undefined
    const [head, at] = this.peek(12)
    let length = head.readInt32BE(at)
    let headerLength = 4
    if (length === -1) {
      if (this.buffered < 12) return undefined
      length = Number(head.readBigUInt64BE(at + 4))
      headerLength = 12
    } else if (length < 0) {
      throw new RangeError(`invalid frame length ${length}`)
    }
    if (length > this.maxLength) {
      if (this.buffered > MAX_HELD) throw new RangeError(`a message of ${length} bytes exceeds the limit of ${this.maxLength}`)
      this.oversized = length
      return undefined
    }
    if (this.checkHead !== undefined && !this.headChecked) {
      const end = headerLength + Math.min(length, this.checkHead.bytes)
      if (this.buffered < end) return undefined
      const [bytes, start] = this.peek(end)
      this.checkHead.check(bytes.subarray(start + headerLength, start + end), length)
      this.headChecked = true
    }
    const size = headerLength + length
    if (this.buffered < size) {
      if (length >= FILL_IN_PLACE) {
        // Every chunk held is this frame's: from now on they go straight into its payload.
        this.advance(headerLength)
        const payload = Buffer.allocUnsafe(length)
        const filled = this.buffered - headerLength
        this.copyOut(payload, filled)
        this.buffered = 0
        this.filling = { payload, filled }
      }
      return undefined
    }
    this.buffered -= size
    this.headChecked = false
    const first = this.chunks[0]
    const start = this.offset
    if (first.length - start >= size) {
      // The common case: the whole frame is in the first chunk.
      this.advance(size)
      return first.subarray(start + headerLength, start + size)
    }
    // The frame spans chunks: only its own bytes are copied out.
    this.advance(headerLength)
    const payload = Buffer.allocUnsafe(length)
    this.copyOut(payload, length)
    return payload
  }

  /** Skips `n` unread bytes. */
  private advance(n: number): void {
    while (n > 0) {
      const chunk = this.chunks[0]
      const step = Math.min(n, chunk.length - this.offset)
      this.offset += step
      n -= step
      if (this.offset === chunk.length) {
        this.chunks.shift()
        this.offset = 0
      }
    }
  }

  /** Copies the next `n` unread bytes into `target` and skips them. */
  private copyOut(target: Buffer, n: number): void {
    for (let written = 0; written < n;) {
      const chunk = this.chunks[0]
      const step = Math.min(n - written, chunk.length - this.offset)
      chunk.copy(target, written, this.offset, this.offset + step)
      written += step
      this.advance(step)
    }
  }

  /** The first `n` unread bytes (fewer if fewer are buffered), as a buffer and where they start in it. */
  private peek(n: number): readonly [Buffer, number] {
    const first = this.chunks[0]
    if (first.length - this.offset >= n || this.chunks.length === 1) return [first, this.offset]
    const head = Buffer.allocUnsafe(Math.min(n, this.buffered))
    let filled = first.copy(head, 0, this.offset)
    for (let i = 1; filled < head.length; i++) filled += this.chunks[i].copy(head, filled)
    return [head, 0]
  }
}
