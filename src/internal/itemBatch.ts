/**
 * Many encoded queue items as one byte string: each as a 4-byte big-endian
 * length and its bytes. A queue's items travel between a proxy and the owner in
 * batches, so that a burst of small items costs one message, not one each; the
 * owner never decodes an item, and keeps the batches as they came: a run of
 * items of one batch is a slice of it, already in this format.
 */

export const pack = (items: ReadonlyArray<Uint8Array>, from = 0, to = items.length): Uint8Array => {
  let size = 0
  for (let i = from; i < to; i++) size += 4 + items[i].byteLength
  const out = Buffer.allocUnsafe(size)
  let at = 0
  for (let i = from; i < to; i++) {
    const item = items[i]
    out.writeUInt32BE(item.byteLength, at)
    out.set(item, at + 4)
    at += 4 + item.byteLength
  }
  return out
}

/** The items of a batch, as views of it (the batch is the receiver's own copy): Buffers, which the codec reads as they are. */
export const unpack = (bytes: Uint8Array): Array<Uint8Array> => {
  const batch = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength)
  const items: Array<Uint8Array> = []
  let at = 0
  while (at + 4 <= batch.byteLength) {
    const length = view.getUint32(at)
    if (at + 4 + length > batch.byteLength) throw new Error(`a queue batch is cut short: ${batch.byteLength} bytes`)
    items.push(batch.subarray(at + 4, at + 4 + length))
    at += 4 + length
  }
  if (at !== batch.byteLength) throw new Error(`a queue batch has ${batch.byteLength - at} stray bytes`)
  return items
}

/** Where each item of a batch starts, and where the last one ends (`count + 1` offsets); throws on a malformed batch. */
export const offsetsOf = (bytes: Uint8Array): Uint32Array => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const starts: Array<number> = []
  let at = 0
  while (at + 4 <= bytes.byteLength) {
    starts.push(at)
    at += 4 + view.getUint32(at)
  }
  if (at !== bytes.byteLength) throw new Error(`a queue batch of ${bytes.byteLength} bytes is malformed`)
  starts.push(at)
  return Uint32Array.from(starts)
}
