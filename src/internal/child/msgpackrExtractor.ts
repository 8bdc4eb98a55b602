/**
 * msgpackr in the start-up snapshot. Its node entry loads the native string
 * extractor (msgpackr-extract) as it is imported: ~20 ms of CPU, which every
 * child from the snapshot paid at its first message (the codec's MessagePack),
 * and which a snapshot cannot hold (a native addon). The snapshot holds
 * msgpackr's JavaScript, and a child from it gets the extractor at its first
 * use instead (most children never unpack a string long enough to use it).
 * The same strings come out either way, as in a process that imports msgpackr
 * itself; `MSGPACKR_NATIVE_ACCELERATION_DISABLED=true` is read in the child.
 */

/** msgpackr-extract's `extractStrings`: the string at `start` (its header first), or those from there on. */
type ExtractStrings = (start: number, end: number, buffer: ArrayBufferLike) => string | Array<string>

const utf8 = new TextDecoder()

/**
 * One string read in JavaScript, for a child where the addon does not load
 * (msgpackr's JavaScript reader decodes it the same way): `start` is its
 * MessagePack header (fixstr, str8, str16 or str32).
 */
const extractOne: ExtractStrings = (start, _end, buffer) => {
  const bytes = new Uint8Array(buffer)
  const view = new DataView(buffer as ArrayBuffer)
  const type = bytes[start]
  const [header, length] = type < 0xc0
    ? [1, type & 0x1f]
    : type === 0xd9
    ? [2, bytes[start + 1]]
    : type === 0xda
    ? [3, view.getUint16(start + 1)]
    : [5, view.getUint32(start + 1)]
  return utf8.decode(bytes.subarray(start + header, start + header + length))
}

/**
 * Gives msgpackr (through its `setExtractor`) an extractor that loads the
 * native one at its first call, unless the environment turns it off as
 * msgpackr's entry would.
 */
export const extractLazily = (
  setExtractor: (extract: ExtractStrings) => void,
  loadNative: () => { readonly extractStrings: ExtractStrings }
): void => {
  const disabled = process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED
  if (disabled !== undefined && disabled.toLowerCase() === "true") return
  let extract: ExtractStrings | undefined
  setExtractor((start, end, buffer) => {
    if (extract === undefined) {
      try {
        extract = loadNative().extractStrings
      } catch {
        extract = extractOne // the addon is optional: msgpackr's own reader would decode it
      }
    }
    return extract(start, end, buffer)
  })
}
