/**
 * Python's `ShareableList`: a list of fixed length over a SharedMemory, each
 * item an int, float, bool, str, bytes or None, in Python's own layout, so a
 * Python process attaches to ours by name and ours to Python's:
 *
 *   8 bytes        the number of items N (int64)
 *   (N + 1) * 8    each item's offset in the data area (int64), then its end
 *   K bytes        the data: 8 bytes per number, bool or None; str and bytes
 *                  get their encoded length rounded up to the next multiple of 8
 *                  (always at least one more byte), fixed at creation
 *   N * 8          each item's `struct` format ("q", "d", "xxxxxxx?",
 *                  "xxxxxx?x", "<n>s"), NUL-padded
 *   N bytes        what each item reads back as: 0 number or bool, 1 str, 2 bytes, 3 None
 *
 * In native byte order, as Python's `struct` writes it. A JS number that is an
 * integer is stored as Python's int ("q"), any other number as a float ("d");
 * a bigint is an int too. An int reads back as a number when it is a safe
 * integer, as a bigint otherwise.
 */
import { endianness } from "node:os"
import { Effect, type Scope } from "effect"
import { IndexError, TypeError, ValueError } from "../../Errors.js"
import { AttachableTypeId, registerAttach } from "../served/attachable.js"
import { open as openSegment, type OpenError, type SharedMemoryImpl } from "./sharedMemory.js"

export type Item = number | bigint | boolean | string | Uint8Array | null

const LITTLE = endianness() === "LE"
const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const ALIGNMENT = 8
const encoder = new TextEncoder()
const decoder = new TextDecoder()

const enum Back {
  Value = 0,
  Str = 1,
  Bytes = 2,
  None = 3
}

/** Python's format for a value, with its encoded bytes for str and bytes. */
const describe = (item: unknown, position: number): { format: string; back: Back; bytes?: Uint8Array } => {
  switch (typeof item) {
    case "number":
      return { format: Number.isInteger(item) && !Object.is(item, -0) ? "q" : "d", back: Back.Value }
    case "bigint":
      if (item < INT64_MIN || item > INT64_MAX) throw new ValueError({ message: `item ${position} does not fit a 64-bit integer` })
      return { format: "q", back: Back.Value }
    case "boolean":
      return { format: "xxxxxxx?", back: Back.Value }
    case "string": {
      const bytes = encoder.encode(item)
      return { format: `${ALIGNMENT * (Math.floor(bytes.length / ALIGNMENT) + 1)}s`, back: Back.Str, bytes }
    }
    case "object":
      if (item === null) return { format: "xxxxxx?x", back: Back.None }
      if (item instanceof Uint8Array) {
        return { format: `${ALIGNMENT * (Math.floor(item.length / ALIGNMENT) + 1)}s`, back: Back.Bytes, bytes: item }
      }
  }
  throw new TypeError({
    message: `item ${position} is ${item === undefined ? "undefined" : typeof item === "object" ? (item as object).constructor?.name ?? "an object" : typeof item}: ` +
      "a ShareableList holds numbers, bigints, booleans, strings, Uint8Arrays and null"
  })
}

export class ShareableListImpl {
  readonly [AttachableTypeId] = () => ({ family: "ShareableList", state: this.shm.name })
  private readonly view: DataView
  readonly length: number
  private readonly offsets: Array<number>

  constructor(readonly shm: SharedMemoryImpl) {
    this.view = new DataView(shm.buffer)
    this.length = Number(this.view.getBigInt64(0, LITTLE))
    this.offsets = Array.from({ length: this.length + 1 }, (_, i) => Number(this.view.getBigInt64(8 + 8 * i, LITTLE)))
  }

  private get dataStart() {
    return (this.length + 2) * 8
  }
  private get formatsStart() {
    return this.dataStart + this.offsets[this.length]
  }
  private get backStart() {
    return this.formatsStart + this.length * 8
  }

  private position(index: number, assigning: boolean): number {
    if (!Number.isInteger(index)) throw new TypeError({ message: `list indices must be integers, not ${index}` })
    const position = index < 0 ? index + this.length : index
    if (position < 0 || position >= this.length) {
      throw new IndexError({ message: assigning ? "assignment index out of range" : "index out of range" })
    }
    return position
  }

  private formatAt(position: number): string {
    const bytes = new Uint8Array(this.shm.buffer, this.formatsStart + position * 8, 8)
    const end = bytes.indexOf(0)
    return decoder.decode(end < 0 ? bytes : bytes.subarray(0, end))
  }

  /** Item `index` (negative counts from the end), as Python's `sl[index]`. */
  unsafeGet(index: number): Item {
    const position = this.position(index, false)
    const offset = this.dataStart + this.offsets[position]
    const format = this.formatAt(position)
    switch (this.view.getInt8(this.backStart + position)) {
      case Back.None:
        return null
      case Back.Str:
      case Back.Bytes: {
        const bytes = new Uint8Array(this.shm.buffer, offset, parseInt(format, 10))
        let end = bytes.length
        while (end > 0 && bytes[end - 1] === 0) end--
        return this.view.getInt8(this.backStart + position) === Back.Str ? decoder.decode(bytes.subarray(0, end)) : bytes.slice(0, end)
      }
    }
    switch (format) {
      case "q": {
        const value = this.view.getBigInt64(offset, LITTLE)
        return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value
      }
      case "d":
        return this.view.getFloat64(offset, LITTLE)
      default: // "xxxxxxx?"
        return this.view.getUint8(offset + 7) !== 0
    }
  }

  /** Sets item `index`, as Python's `sl[index] = item`: a str or bytes must fit the room its slot was made with. */
  unsafeSet(index: number, item: Item): void {
    const position = this.position(index, true)
    const offset = this.dataStart + this.offsets[position]
    const room = this.offsets[position + 1] - this.offsets[position]
    const { back, bytes, format: itemFormat } = describe(item, position)
    let format = itemFormat
    if (bytes !== undefined) {
      if (bytes.length > room) throw new ValueError({ message: "bytes/str item exceeds available storage" })
      format = `${room}s`
    }
    if (typeof item === "number" && format === "q" && !Number.isSafeInteger(item)) {
      format = "d" // beyond 2^53 a number is not an exact integer: keep it as the float it is
    }
    this.writeFormat(position, format, back)
    write(this.view, offset, format, item, bytes)
  }

  private writeFormat(position: number, format: string, back: Back) {
    const slot = new Uint8Array(this.shm.buffer, this.formatsStart + position * 8, 8)
    slot.fill(0)
    slot.set(encoder.encode(format))
    this.view.setInt8(this.backStart + position, back)
  }

  /** Python's `format`: every item's `struct` format, joined. */
  get format(): string {
    return Array.from({ length: this.length }, (_, i) => this.formatAt(i)).join("")
  }

  toArray(): Array<Item> {
    return Array.from({ length: this.length }, (_, i) => this.unsafeGet(i))
  }

  /** How many items equal `value` (bytes by content). */
  readonly count = (value: Item): Effect.Effect<number> =>
    Effect.sync(() => this.toArray().filter((item) => same(item, value)).length)

  /** The first position of `value`; ValueError when absent. */
  unsafeIndex(value: Item): number {
    const found = this.toArray().findIndex((item) => same(item, value))
    if (found < 0) throw new ValueError({ message: `${String(value)} not in this container` })
    return found
  }

  /** Item `index` (negative counts from the end). */
  readonly get = (index: number): Effect.Effect<Item, IndexError | TypeError> =>
    Effect.try({ try: () => this.unsafeGet(index), catch: (error) => error as IndexError | TypeError })

  /** Sets item `index`; a str or bytes must fit the room its slot was made with. */
  readonly set = (index: number, item: Item): Effect.Effect<void, IndexError | TypeError | ValueError> =>
    Effect.try({ try: () => this.unsafeSet(index, item), catch: (error) => error as IndexError | TypeError | ValueError })

  /** The first position of `value`. */
  readonly index = (value: Item): Effect.Effect<number, ValueError> =>
    Effect.try({ try: () => this.unsafeIndex(value), catch: (error) => error as ValueError })

  /** Every item, read now. */
  readonly items: Effect.Effect<Array<Item>> = Effect.sync(() => this.toArray())

  toString() {
    return `ShareableList(${JSON.stringify(this.toArray(), (_, v) => (typeof v === "bigint" ? String(v) : v))}, name='${this.shm.name}')`
  }
}

const same = (a: Item, b: Item): boolean =>
  a instanceof Uint8Array && b instanceof Uint8Array
    ? a.length === b.length && a.every((byte, i) => byte === b[i])
    : a === b || (typeof a === "bigint" || typeof b === "bigint" ? String(a) === String(b) : false)

const write = (view: DataView, offset: number, format: string, item: Item, bytes: Uint8Array | undefined) => {
  if (bytes !== undefined) {
    const slot = new Uint8Array(view.buffer, offset, parseInt(format, 10))
    slot.fill(0)
    slot.set(bytes)
    return
  }
  switch (format) {
    case "q":
      view.setBigInt64(offset, BigInt(item as number | bigint), LITTLE)
      return
    case "d":
      view.setFloat64(offset, item as number, LITTLE)
      return
    case "xxxxxxx?":
      view.setBigUint64(offset, 0n, LITTLE)
      view.setUint8(offset + 7, item ? 1 : 0)
      return
    default: // None: "xxxxxx?x", packed as False
      view.setBigUint64(offset, 0n, LITTLE)
  }
}

export interface Options {
  readonly name?: string | undefined
}

/** Lays `sequence` out in a fresh segment (named `name`, or a fresh name). */
const create = (sequence: ReadonlyArray<Item>, name: string | undefined) =>
  Effect.suspend(() => {
    const described = sequence.map(describe)
    const offsets = [0]
    for (const { format } of described) offsets.push(offsets[offsets.length - 1] + (format.endsWith("s") ? parseInt(format, 10) : ALIGNMENT))
    const n = sequence.length
    const size = 8 + 8 * (n + 1) + offsets[n] + 8 * n + n
    return Effect.map(openSegment({ name, create: true, size }), (shm) => {
      const view = new DataView(shm.buffer)
      view.setBigInt64(0, BigInt(n), LITTLE)
      offsets.forEach((offset, i) => view.setBigInt64(8 + 8 * i, BigInt(offset), LITTLE))
      const list = new ShareableListImpl(shm)
      sequence.forEach((item, i) => list.unsafeSet(i, item))
      return list
    })
  })

const checked = <A>(effect: Effect.Effect<A, OpenError>) =>
  Effect.catchAllDefect(effect, (defect) =>
    defect instanceof TypeError || defect instanceof ValueError ? Effect.fail(defect) : Effect.die(defect))

/** A list laid out from `sequence` in a new segment, or (no sequence) the one named `name`; not scoped. */
export const open = (sequence: ReadonlyArray<Item> | undefined, options: Options = {}): Effect.Effect<ShareableListImpl, OpenError> =>
  checked(
    sequence !== undefined
      ? create(sequence, options.name)
      : Effect.map(openSegment({ name: options.name }), (shm) => new ShareableListImpl(shm))
  )

/** A list closed (unmapped here) when the Scope closes; unlinked only when asked, as SharedMemory. */
export const make = (sequence?: ReadonlyArray<Item>, options?: Options): Effect.Effect<ShareableListImpl, OpenError, Scope.Scope> =>
  Effect.acquireRelease(open(sequence, options), (list) => list.shm.close)

registerAttach("ShareableList", (name) => Effect.runSync(Effect.orDie(open(undefined, { name: name as string }))))
