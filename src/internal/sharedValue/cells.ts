/**
 * The state behind Value, Array, RawValue and RawArray (Python's
 * `multiprocessing.sharedctypes`), kept by the process that serves them: one
 * typed array per object, of the typecode's C type, so items wrap around at
 * their width as ctypes' do (an 'i' set to 2**31 reads back -2**31).
 *
 * A Value is one cell; an Array a fixed number. Operations act at once and
 * return an Exit: nothing here waits.
 *
 * How one travels: a Reference's `kind` carries what a proxy must know
 * without asking — "Value:i", "RawValue:q", "Array:d:10", "RawArray:c:5"
 * (shape, typecode, and an Array's length) — see `formatKind`/`parseKind`.
 * Its lock travels apart: the owner answers "lockReference".
 */
import { Either, Exit } from "effect"
import { IndexError, ValueError } from "../../Errors.js"
import type { Input, Item, Typecode } from "../../SharedValue.js"
import { sliceIndices } from "../pythonSlice.js"

export type { Input, Item, Typecode }

type Cell = number | bigint

/** A typed array, seen as cells (each typecode's array takes the cell type `toCell` gives it). */
interface Cells {
  [index: number]: Cell
  readonly length: number
}

interface Layout {
  readonly array: { new(length: number): Cells; new(buffer: ArrayBuffer, byteOffset: number, length: number): Cells; readonly BYTES_PER_ELEMENT: number }
  readonly kind: "int" | "bigint" | "float" | "char"
}

const layout = (array: unknown, kind: Layout["kind"]): Layout => ({ array: array as Layout["array"], kind })

const layouts: Record<Typecode, Layout> = {
  b: layout(Int8Array, "int"),
  B: layout(Uint8Array, "int"),
  h: layout(Int16Array, "int"),
  H: layout(Uint16Array, "int"),
  i: layout(Int32Array, "int"),
  I: layout(Uint32Array, "int"),
  l: layout(BigInt64Array, "bigint"),
  L: layout(BigUint64Array, "bigint"),
  q: layout(BigInt64Array, "bigint"),
  Q: layout(BigUint64Array, "bigint"),
  f: layout(Float32Array, "float"),
  d: layout(Float64Array, "float"),
  c: layout(Uint8Array, "char")
}

/** The bytes `length` items of `typecode` take. */
export const bytesOf = (typecode: Typecode, length: number): number => layouts[typecode].array.BYTES_PER_ELEMENT * length

export const typecodes: ReadonlyArray<Typecode> = Object.keys(layouts) as Array<Typecode>

export const isTypecode = (u: unknown): u is Typecode => typeof u === "string" && Object.hasOwn(layouts, u)

export const checkTypecode = (u: unknown): Either.Either<Typecode, ValueError> =>
  isTypecode(u)
    ? Either.right(u)
    : Either.left(
      new ValueError({
        message: `bad typecode ${show(u)} (must be ${typecodes.slice(0, -1).join(", ")} or ${typecodes[typecodes.length - 1]})`
      })
    )

const show = (u: unknown): string =>
  typeof u === "string" ? `'${u}'` : typeof u === "bigint" ? `${u}n` : typeof u === "number" ? String(u) : typeof u

/**
 * `value` as a cell of `typecode`. Integers wrap at the cell's width when stored:
 * typed arrays reduce modulo 2**bits, as ctypes does; a bigint given to a
 * 32-bit-or-narrower cell is reduced first, so its low bits survive exactly.
 */
const toCell = (typecode: Typecode, value: unknown): Either.Either<Cell, ValueError> => {
  const wrong = (expected: string) =>
    Either.left(new ValueError({ message: `${expected} expected for typecode '${typecode}', got ${show(value)}` }))
  switch (layouts[typecode].kind) {
    case "int":
      if (typeof value === "bigint") return Either.right(Number(BigInt.asUintN(32, value)))
      return typeof value === "number" && Number.isInteger(value) ? Either.right(value) : wrong("an integer")
    case "bigint":
      if (typeof value === "bigint") return Either.right(value)
      return typeof value === "number" && Number.isInteger(value) ? Either.right(BigInt(value)) : wrong("an integer")
    case "float":
      if (typeof value === "bigint") return Either.right(Number(value))
      return typeof value === "number" ? Either.right(value) : wrong("a number")
    case "char":
      return typeof value === "string" && value.length === 1 && value.charCodeAt(0) < 256
        ? Either.right(value.charCodeAt(0))
        : wrong("a one-character string (code < 256)")
  }
}

/** `values` as cells: an array of items, or a string for 'c'. */
const toCells = (typecode: Typecode, values: unknown): Either.Either<Array<Cell>, ValueError> => {
  const items = typecode === "c" && typeof values === "string" ? [...values] : values
  if (!Array.isArray(items)) {
    return Either.left(new ValueError({ message: `a sequence of items expected for typecode '${typecode}', got ${show(values)}` }))
  }
  const cells: Array<Cell> = []
  for (const item of items) {
    const cell = toCell(typecode, item)
    if (Either.isLeft(cell)) return Either.left(cell.left)
    cells.push(cell.right)
  }
  return Either.right(cells)
}

const isIndex = (u: unknown): u is number => typeof u === "number" && Number.isSafeInteger(u)

/** Python's slice bound for step 1 (pythonSlice.ts): `fallback` when missing, undefined when not an index. */
const bound = (u: unknown, fallback: number, length: number): number | undefined =>
  u === undefined || u === null ? fallback : isIndex(u) ? sliceIndices(length, u, u).start : undefined

/** A fixed number of cells of one typecode: a Value is one, an Array `length`. */
export class SharedCells<T extends Typecode = Typecode> {
  private readonly cells: Cells

  private constructor(readonly typecode: T, cells: Cells) {
    this.cells = cells
  }

  /**
   * Cells of `typecode` from a size (zeros), an array of items, or a string
   * for 'c'; in this process's memory, or in what `allocate` gives for their
   * bytes (a shared-memory segment, zero-filled).
   */
  static make<T extends Typecode>(
    typecode: T,
    sizeOrInitializer: unknown,
    allocate?: (bytes: number) => ArrayBufferView
  ): Either.Either<SharedCells<T>, ValueError> {
    const { array } = layouts[typecode]
    const cellsOf = (length: number): Cells => {
      if (allocate === undefined) return new array(length)
      const memory = allocate(Math.max(8, bytesOf(typecode, length)))
      return new array(memory.buffer as ArrayBuffer, memory.byteOffset, length)
    }
    if (typeof sizeOrInitializer === "number") {
      return isIndex(sizeOrInitializer) && sizeOrInitializer >= 0
        ? Either.right(new SharedCells(typecode, cellsOf(sizeOrInitializer)))
        : Either.left(new ValueError({ message: `array size must be a non-negative integer, got ${sizeOrInitializer}` }))
    }
    return Either.map(toCells(typecode, sizeOrInitializer), (items) => {
      const cells = cellsOf(items.length)
      items.forEach((cell, index) => (cells[index] = cell))
      return new SharedCells(typecode, cells)
    })
  }

  /** `length` cells of `typecode` over `memory` as they are (a segment another process made). */
  static over<T extends Typecode>(typecode: T, memory: ArrayBufferView, length: number): SharedCells<T> {
    return new SharedCells(typecode, new layouts[typecode].array(memory.buffer as ArrayBuffer, memory.byteOffset, length))
  }

  get length(): number {
    return this.cells.length
  }

  private read(index: number): Item<T> {
    const cell = this.cells[index]
    return (this.typecode === "c" ? String.fromCharCode(cell as number) : cell) as Item<T>
  }

  /** Python's index: from the end when negative; IndexError outside. */
  private index(u: unknown): Either.Either<number, ValueError | IndexError> {
    if (!isIndex(u)) return Either.left(new ValueError({ message: `array indices must be integers, got ${show(u)}` }))
    const at = u < 0 ? u + this.length : u
    return at >= 0 && at < this.length
      ? Either.right(at)
      : Either.left(new IndexError({ message: "array index out of range" }))
  }

  /** The item at `index`, known to be in range, as a plain value (a Value's item, read synchronously). */
  itemAt(index: number): Item<T> {
    return this.read(index)
  }

  /** Python's `a[i]` at once (a blocking form): the item, or throws ValueError or IndexError. */
  getItemSync(index: unknown): Item<T> {
    return this.read(this.indexOrThrow(index))
  }

  /** Python's `a[i] = v` at once: throws ValueError or IndexError. */
  setItemSync(index: unknown, value: unknown): void {
    const refused = this.writeAt(this.indexOrThrow(index), value)
    if (refused !== undefined) throw refused
  }

  /** `index` in range (from the end when negative), allocating nothing when it is; else throws `index`'s error. */
  private indexOrThrow(u: unknown): number {
    if (isIndex(u)) {
      const at = u < 0 ? u + this.length : u
      if (at >= 0 && at < this.length) return at
    }
    const at = this.index(u)
    if (Either.isLeft(at)) throw at.left
    return at.right
  }

  /** Writes `value` at `index`, known to be in range; gives the ValueError refusing it, else undefined. */
  writeAt(index: number, value: unknown): ValueError | undefined {
    // A number into a number cell needs no conversion (the common case, kept free of allocations).
    if (typeof value === "number" && this.numeric && (this.typecode === "f" || this.typecode === "d" || Number.isInteger(value))) {
      this.cells[index] = value
      return undefined
    }
    const cell = toCell(this.typecode, value)
    if (Either.isLeft(cell)) return cell.left
    this.cells[index] = cell.right
    return undefined
  }

  /** Whether its cells take numbers (not bigints, not characters). */
  private get numeric(): boolean {
    const kind = layouts[this.typecode].kind
    return kind === "int" || kind === "float"
  }

  getItem(index: unknown): Exit.Exit<Item<T>, ValueError | IndexError> {
    const at = this.index(index)
    return Either.isLeft(at) ? Exit.fail(at.left) : Exit.succeed(this.read(at.right))
  }

  setItem(index: unknown, value: unknown): Exit.Exit<void, ValueError | IndexError> {
    const at = this.index(index)
    if (Either.isLeft(at)) return Exit.fail(at.left)
    const cell = toCell(this.typecode, value)
    if (Either.isLeft(cell)) return Exit.fail(cell.left)
    this.cells[at.right] = cell.right
    return Exit.void
  }

  /** Python's `a[start:stop]`: bounds clamp, never fail; a missing one is the start or end. */
  getSlice(start: unknown, stop: unknown): Exit.Exit<Array<Item<T>>, ValueError> {
    const from = bound(start, 0, this.length)
    const to = bound(stop, this.length, this.length)
    if (from === undefined || to === undefined) {
      return Exit.fail(new ValueError({ message: `slice indices must be integers, got ${show(start)}, ${show(stop)}` }))
    }
    const items: Array<Item<T>> = []
    for (let at = from; at < to; at++) items.push(this.read(at))
    return Exit.succeed(items)
  }

  /** Python's `a[start:stop] = values`: a shared array cannot change size, so `values` must fit the slice exactly. */
  setSlice(start: unknown, stop: unknown, values: unknown): Exit.Exit<void, ValueError> {
    const from = bound(start, 0, this.length)
    const to = bound(stop, this.length, this.length)
    if (from === undefined || to === undefined) {
      return Exit.fail(new ValueError({ message: `slice indices must be integers, got ${show(start)}, ${show(stop)}` }))
    }
    const cells = toCells(this.typecode, values)
    if (Either.isLeft(cells)) return Exit.fail(cells.left)
    if (cells.right.length !== Math.max(0, to - from)) {
      return Exit.fail(new ValueError({ message: "Can only assign sequence of same size" }))
    }
    cells.right.forEach((cell, offset) => (this.cells[from + offset] = cell))
    return Exit.void
  }

  /** Every item, as a plain array (Python's `a[:]`). */
  toArray(): Array<Item<T>> {
    const items: Array<Item<T>> = []
    for (let at = 0; at < this.length; at++) items.push(this.read(at))
    return items
  }
}

/** A Value is one item with a lock or none; an Array a fixed number of them. */
export type Shape = "Value" | "RawValue" | "Array" | "RawArray"

export interface Described {
  readonly shape: Shape
  readonly typecode: Typecode
  /** An Array's length; 1 for a Value. */
  readonly length: number
}

const isArrayShape = (shape: Shape): boolean => shape === "Array" || shape === "RawArray"

export const hasLock = (shape: Shape): boolean => shape === "Value" || shape === "Array"

/** The Reference kind: "Value:i", "RawValue:q", "Array:d:10", "RawArray:c:5". */
export const formatKind = ({ length, shape, typecode }: Described): string =>
  isArrayShape(shape) ? `${shape}:${typecode}:${length}` : `${shape}:${typecode}`

/** What `formatKind` wrote; undefined for any other kind. */
export const parseKind = (kind: string): Described | undefined => {
  const [shape, typecode, length, ...rest] = kind.split(":")
  if (rest.length > 0 || !isTypecode(typecode)) return undefined
  switch (shape) {
    case "Value":
    case "RawValue":
      return length === undefined ? { shape, typecode, length: 1 } : undefined
    case "Array":
    case "RawArray": {
      const n = Number(length)
      return length !== undefined && isIndex(n) && n >= 0 ? { shape, typecode, length: n } : undefined
    }
    default:
      return undefined
  }
}
