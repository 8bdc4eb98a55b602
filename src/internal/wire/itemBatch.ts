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
  const offsets = offsetsOf(batch)
  const items: Array<Uint8Array> = new Array(offsets.length - 1)
  for (let i = 0; i < items.length; i++) items[i] = batch.subarray(offsets[i] + 4, offsets[i + 1])
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
  if (at > bytes.byteLength) throw new Error(`a queue batch of ${bytes.byteLength} bytes is cut short`)
  if (at !== bytes.byteLength) throw new Error(`a queue batch has ${bytes.byteLength - at} stray bytes`)
  starts.push(at)
  return Uint32Array.from(starts)
}
