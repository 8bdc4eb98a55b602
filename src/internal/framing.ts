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
 * Reassembles frames from chunks as they arrive. `push` returns the complete
 * payloads the chunk finished, in order; partial data is kept for the next call.
 */
export class FrameDecoder {
  private chunks: Array<Buffer> = []
  private buffered = 0

  /**
   * The largest payload accepted: a header announcing more throws at once,
   * before anything of that size is buffered (a peer cannot make us allocate it).
   */
  constructor(public maxLength: number = Number.MAX_SAFE_INTEGER) {}

  push(chunk: Buffer): Array<Buffer> {
    this.chunks.push(chunk)
    this.buffered += chunk.length
    const out: Array<Buffer> = []
    for (;;) {
      const payload = this.next()
      if (payload === undefined) return out
      out.push(payload)
    }
  }

  /** Bytes received but not yet part of a complete frame. */
  get pending(): number {
    return this.buffered
  }

  private next(): Buffer | undefined {
    if (this.buffered < 4) return undefined
    const head = this.peek(12)
    let length = head.readInt32BE(0)
    let headerLength = 4
    if (length === -1) {
      if (this.buffered < 12) return undefined
      length = Number(head.readBigUInt64BE(4))
      headerLength = 12
    } else if (length < 0) {
      throw new RangeError(`invalid frame length ${length}`)
    }
    if (length > this.maxLength) {
      throw new RangeError(`a message of ${length} bytes exceeds the limit of ${this.maxLength}`)
    }
    if (this.buffered < headerLength + length) return undefined
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.buffered)
    const payload = all.subarray(headerLength, headerLength + length)
    const rest = all.subarray(headerLength + length)
    this.chunks = rest.length > 0 ? [rest] : []
    this.buffered = rest.length
    return payload
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0]
    if (first.length >= n || this.chunks.length === 1) return first
    return Buffer.concat(this.chunks, Math.min(n, this.buffered))
  }
}
