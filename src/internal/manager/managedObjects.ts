/**
 * The shared `list`, `dict` and `Namespace` a Manager serves (CPython's
 * ListProxy, DictProxy and Namespace): the state lives with its owner, every
 * other process reaches it through a proxy, one round trip per operation, and
 * each operation is atomic in the owner (it runs there at once, in one piece).
 *
 * Values are whatever the default codec carries. They arrive in the owner as
 * decoded copies — a shared primitive among them already revived as a proxy —
 * and are kept and handed back as they are: the codec copies them on the way
 * out, and turns a primitive back into its reference. So nothing here copies or
 * transforms a stored value. (The owner's own calls do not go through the
 * codec: what it stores and reads are its own objects, not copies.) What Python
 * returns as a plain value — a slice, keys(), items(), copy() — is a plain
 * array, object or Map.
 */
import { inspect, isDeepStrictEqual } from "node:util"
import { Effect, Exit } from "effect"
import { AttributeError, IndexError, KeyError, type OwnerGoneError, ValueError } from "../../Errors.js"
import { CompatWrapsKey } from "../faces.js"
import { type Backend, isPrimitive, local, type Primitive, PrimitiveTypeId, processCaller, remote } from "../served/backend.js"
import type { Served } from "../served/server.js"
import { registerRevival } from "../served/revive.js"

// ---------------------------------------------------------------------------
// What the owners share

type Failure = ValueError | IndexError | KeyError | AttributeError

const isFailure = (error: unknown): error is Failure =>
  error instanceof ValueError || error instanceof IndexError || error instanceof KeyError || error instanceof AttributeError

/**
 * Serves `operations` by name. Each runs at once: a typed error it throws is the
 * call's failure, anything else it throws a defect (a bug here, not bad input).
 */
const serveTable = (kind: string, operations: Record<string, (args: ReadonlyArray<unknown>) => unknown>): Served => ({
  kind,
  unsafeCall: (method, args) => {
    // Own names only: "constructor" or "toString" are no operations.
    if (!Object.hasOwn(operations, method)) return Exit.fail(new ValueError({ message: `${kind} has no operation ${method}` }))
    try {
      return Exit.succeed(operations[method](args))
    } catch (error) {
      return isFailure(error) ? Exit.fail(error) : Exit.die(error)
    }
  }
})

/** A JavaScript name for a value's type, for messages. */
const typeName = (value: unknown): string => {
  if (value === null) return "null"
  if (Array.isArray(value)) return "array"
  if (typeof value !== "object") return typeof value
  const prototype = Object.getPrototypeOf(value)
  return prototype === null || prototype === Object.prototype ? "object" : prototype.constructor?.name ?? "object"
}

/** Python's repr, near enough, for messages (a string comes out quoted, as Python's does). */
const repr = (value: unknown): string =>
  inspect(value, { depth: 2, breakLength: Infinity, maxArrayLength: 10, maxStringLength: 100 })

/** The id of a shared primitive (either face), or undefined. */
const primitiveId = (value: unknown): string | undefined => {
  if (isPrimitive(value)) return value[PrimitiveTypeId].id
  if (typeof value !== "object" || value === null) return undefined
  const inner = (value as Record<symbol, unknown>)[CompatWrapsKey]
  return isPrimitive(inner) ? inner[PrimitiveTypeId].id : undefined
}

/**
 * Python's `==` for remove, count, index and `in`: deep equality of values; two
 * proxies of one shared primitive are equal (each arrival revives a new proxy).
 */
const same = (a: unknown, b: unknown): boolean => {
  const id = primitiveId(a)
  return id !== undefined ? id === primitiveId(b) : isDeepStrictEqual(a, b)
}

const integer = (value: unknown, what: string): number => {
  if (typeof value === "number" && Number.isInteger(value)) return value
  if (typeof value === "bigint") return Number(value)
  throw new ValueError({ message: `${what} must be integers, not ${typeName(value)}` })
}

/** An optional integer: null or undefined is none (Python's None). */
const optionalInteger = (value: unknown, what: string): number | undefined =>
  value === null || value === undefined ? undefined : integer(value, what)

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== "object" || value === null) return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/** A plain object of `entries`; defineProperty, so an own "__proto__" key stays data. */
const plainObject = (entries: Iterable<readonly [string, unknown]>): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of entries) Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true })
  return out
}

// ---------------------------------------------------------------------------
// Python's ordering, for list.sort (no key functions: they cannot travel)

const isNumeric = (value: unknown): value is number | bigint => typeof value === "number" || typeof value === "bigint"

/**
 * Strings in code point order, as Python compares them (UTF-16 units order
 * differently only where a surrogate meets a unit from 0xE000 up: ICU's fix-up).
 */
const compareStrings = (a: string, b: string): number => {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) {
      const fix = (unit: number) => unit >= 0xe000 ? unit - 0x800 : unit >= 0xd800 ? unit + 0x2000 : unit
      return fix(x) - fix(y)
    }
  }
  return a.length - b.length
}

/** Python's `==` between sortable values (1 == 1n, as Python's ints and floats are). */
const sortEqual = (a: unknown, b: unknown): boolean => {
  if (isNumeric(a) && isNumeric(b)) return a == b
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => sortEqual(item, b[i]))
  return isDeepStrictEqual(a, b)
}

/** Python's `a < b` for numbers and bigints, strings, and arrays of them (lexicographic, as lists and tuples compare). */
const lessThan = (a: unknown, b: unknown): boolean => {
  if (isNumeric(a) && isNumeric(b)) return a < b
  if (typeof a === "string" && typeof b === "string") return compareStrings(a, b) < 0
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length)
    for (let i = 0; i < n; i++) if (!sortEqual(a[i], b[i])) return lessThan(a[i], b[i])
    return a.length < b.length
  }
  throw new ValueError({ message: `'<' not supported between instances of '${typeName(a)}' and '${typeName(b)}'` })
}

const compare = (a: unknown, b: unknown): number => lessThan(a, b) ? -1 : lessThan(b, a) ? 1 : 0

// ---------------------------------------------------------------------------
// list

/** Python's `slice(start, stop, step).indices(length)`. */
const sliceIndices = (length: number, start: number | undefined, stop: number | undefined, step: number) => {
  if (step === 0) throw new ValueError({ message: "slice step cannot be zero" })
  const [lower, upper] = step > 0 ? [0, length] : [-1, length - 1]
  const bound = (i: number | undefined, otherwise: number) =>
    i === undefined ? otherwise : i < 0 ? Math.max(i + length, lower) : Math.min(i, upper)
  return { start: bound(start, step > 0 ? lower : upper), stop: bound(stop, step > 0 ? upper : lower) }
}

const sliceBound = (value: unknown) => optionalInteger(value, "slice indices")

export class ListState {
  private items: Array<unknown>

  constructor(initial: ReadonlyArray<unknown> = []) {
    if (!Array.isArray(initial)) throw new ValueError({ message: `a list is made from an array, not ${typeName(initial)}` })
    this.items = [...initial]
  }

  /** `index` as Python's `l[index]` finds it; IndexError with `message` outside. */
  private position(index: unknown, message: string): number {
    const i = integer(index, "list indices")
    const at = i < 0 ? i + this.items.length : i
    if (at < 0 || at >= this.items.length) throw new IndexError({ message })
    return at
  }

  /** Python's bounds of `l[start:stop]` (step 1), for assignment and deletion. */
  private span(start: unknown, stop: unknown) {
    const bounds = sliceIndices(this.items.length, sliceBound(start), sliceBound(stop), 1)
    return { start: bounds.start, stop: Math.max(bounds.start, bounds.stop) }
  }

  len(): number {
    return this.items.length
  }
  getItem(index: unknown): unknown {
    return this.items[this.position(index, "list index out of range")]
  }
  setItem(index: unknown, value: unknown): void {
    this.items[this.position(index, "list assignment index out of range")] = value
  }
  delItem(index: unknown): void {
    this.items.splice(this.position(index, "list assignment index out of range"), 1)
  }
  slice(start: unknown, stop: unknown, step: unknown): Array<unknown> {
    const by = optionalInteger(step, "slice indices") ?? 1
    const bounds = sliceIndices(this.items.length, sliceBound(start), sliceBound(stop), by)
    const out: Array<unknown> = []
    for (let i = bounds.start; by > 0 ? i < bounds.stop : i > bounds.stop; i += by) out.push(this.items[i])
    return out
  }
  setSlice(start: unknown, stop: unknown, values: unknown): void {
    const span = this.span(start, stop)
    if (!Array.isArray(values)) throw new ValueError({ message: `can only assign an array to a slice, not ${typeName(values)}` })
    // A new array rather than splice(...values): no limit on how many values.
    this.items = [...this.items.slice(0, span.start), ...values, ...this.items.slice(span.stop)]
  }
  delSlice(start: unknown, stop: unknown): void {
    const span = this.span(start, stop)
    this.items.splice(span.start, span.stop - span.start)
  }
  append(value: unknown): void {
    this.items.push(value)
  }
  extend(values: unknown): void {
    if (!Array.isArray(values)) throw new ValueError({ message: `a list is extended with an array, not ${typeName(values)}` })
    for (const value of values) this.items.push(value)
  }
  pop(index: unknown): unknown {
    if (this.items.length === 0) throw new IndexError({ message: "pop from empty list" })
    return this.items.splice(this.position(index ?? -1, "pop index out of range"), 1)[0]
  }
  insert(index: unknown, value: unknown): void {
    const i = integer(index, "list indices")
    const n = this.items.length
    this.items.splice(i < 0 ? Math.max(0, i + n) : Math.min(i, n), 0, value)
  }
  remove(value: unknown): void {
    const at = this.items.findIndex((item) => same(item, value))
    if (at < 0) throw new ValueError({ message: "list.remove(x): x not in list" })
    this.items.splice(at, 1)
  }
  reverse(): void {
    this.items.reverse()
  }
  /** Stable, as Python's (also with `reverse`); on a failing comparison the list is left as it was. */
  sort(reverse: unknown): void {
    const sorted = [...this.items].sort(reverse === true ? (a, b) => compare(b, a) : compare)
    this.items = sorted
  }
  count(value: unknown): number {
    return this.items.reduce<number>((n, item) => same(item, value) ? n + 1 : n, 0)
  }
  index(value: unknown, start: unknown, stop: unknown): number {
    const n = this.items.length
    const from = (bound: number | undefined, otherwise: number) => bound === undefined ? otherwise : bound < 0 ? Math.max(0, bound + n) : bound
    const end = Math.min(from(sliceBound(stop), n), n)
    for (let i = from(sliceBound(start), 0); i < end; i++) if (same(this.items[i], value)) return i
    throw new ValueError({ message: `${repr(value)} is not in list` })
  }
  contains(value: unknown): boolean {
    return this.items.some((item) => same(item, value))
  }
  toArray(): Array<unknown> {
    return [...this.items]
  }
}

export const serveList = (state: ListState): Served =>
  serveTable("list", {
    len: () => state.len(),
    getItem: ([index]) => state.getItem(index),
    setItem: ([index, value]) => state.setItem(index, value),
    delItem: ([index]) => state.delItem(index),
    slice: ([start, stop, step]) => state.slice(start, stop, step),
    setSlice: ([start, stop, values]) => state.setSlice(start, stop, values),
    delSlice: ([start, stop]) => state.delSlice(start, stop),
    append: ([value]) => state.append(value),
    extend: ([values]) => state.extend(values),
    pop: ([index]) => state.pop(index),
    insert: ([index, value]) => state.insert(index, value),
    remove: ([value]) => state.remove(value),
    reverse: () => state.reverse(),
    sort: ([reverse]) => state.sort(reverse),
    count: ([value]) => state.count(value),
    index: ([value, start, stop]) => state.index(value, start, stop),
    contains: ([value]) => state.contains(value),
    toArray: () => state.toArray()
  })

// ---------------------------------------------------------------------------
// dict

/**
 * What a shared dict's keys may be: values compared by value in every process.
 * (An object arrives as a new copy each time, so it could never be found again.)
 * Unlike Python, `1`, `1n` and `true` are three keys, as in a JavaScript Map.
 */
export type DictKey = string | number | bigint | boolean | null

const checkKey = (key: unknown): DictKey => {
  if (key === null || typeof key === "string" || typeof key === "number" || typeof key === "bigint" || typeof key === "boolean") {
    return key
  }
  throw new ValueError({
    message: `a shared dict's keys are strings, numbers, bigints, booleans or null (compared by value across processes), not ${
      typeName(key)
    }`
  })
}

/** The [key, value] pairs of what `update` (or a new dict) takes: pairs, a plain object or a Map. */
const entriesOf = function*(source: unknown): Generator<readonly [DictKey, unknown]> {
  if (source instanceof Map) {
    for (const [key, value] of source) yield [checkKey(key), value]
  } else if (Array.isArray(source)) {
    let i = 0
    for (const pair of source) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        const what = Array.isArray(pair) ? `has length ${pair.length}; 2 is required` : `is not a [key, value] pair`
        throw new ValueError({ message: `dictionary update sequence element #${i} ${what}` })
      }
      yield [checkKey(pair[0]), pair[1]]
      i++
    }
  } else if (isPlainObject(source)) {
    yield* Object.entries(source)
  } else {
    throw new ValueError({ message: `a dict is updated from [key, value] pairs, a plain object or a Map, not ${typeName(source)}` })
  }
}

export class DictState {
  /** A Map keeps insertion order, as Python's dict does. */
  private readonly entries = new Map<DictKey, unknown>()

  constructor(initial?: unknown) {
    if (initial !== undefined) this.update(initial)
  }

  len(): number {
    return this.entries.size
  }
  /** dict.get: the value, else the default given, else undefined. */
  get(key: unknown, fallback: ReadonlyArray<unknown>): unknown {
    const k = checkKey(key)
    return this.entries.has(k) ? this.entries.get(k) : fallback[0]
  }
  getItem(key: unknown): unknown {
    const k = checkKey(key)
    if (!this.entries.has(k)) throw new KeyError({ message: repr(k) })
    return this.entries.get(k)
  }
  setItem(key: unknown, value: unknown): void {
    this.entries.set(checkKey(key), value)
  }
  delItem(key: unknown): void {
    const k = checkKey(key)
    if (!this.entries.delete(k)) throw new KeyError({ message: repr(k) })
  }
  has(key: unknown): boolean {
    return this.entries.has(checkKey(key))
  }
  keys(): Array<DictKey> {
    return [...this.entries.keys()]
  }
  values(): Array<unknown> {
    return [...this.entries.values()]
  }
  items(): Array<[DictKey, unknown]> {
    return [...this.entries]
  }
  /** As Python's: pairs before a bad one are in. */
  update(source: unknown): void {
    for (const [key, value] of entriesOf(source)) this.entries.set(key, value)
  }
  /** Without a default (`fallback` empty), a missing key is a KeyError. */
  pop(key: unknown, fallback: ReadonlyArray<unknown>): unknown {
    const k = checkKey(key)
    if (!this.entries.has(k)) {
      if (fallback.length === 0) throw new KeyError({ message: repr(k) })
      return fallback[0]
    }
    const value = this.entries.get(k)
    this.entries.delete(k)
    return value
  }
  /** The last pair put in (LIFO). Finding it walks the Map: a Map cannot be read from its end. */
  popitem(): [DictKey, unknown] {
    let last: [DictKey, unknown] | undefined
    for (const entry of this.entries) last = entry
    if (last === undefined) throw new KeyError({ message: "popitem(): dictionary is empty" })
    this.entries.delete(last[0])
    return last
  }
  setdefault(key: unknown, fallback: unknown): unknown {
    const k = checkKey(key)
    if (this.entries.has(k)) return this.entries.get(k)
    this.entries.set(k, fallback)
    return fallback
  }
  clear(): void {
    this.entries.clear()
  }
  copy(): Map<DictKey, unknown> {
    return new Map(this.entries)
  }
}

export const serveDict = (state: DictState): Served =>
  serveTable("dict", {
    len: () => state.len(),
    // A default is whether the caller gave one (by count), so that `undefined` can be one.
    get: ([key, ...fallback]) => state.get(key, fallback),
    getItem: ([key]) => state.getItem(key),
    setItem: ([key, value]) => state.setItem(key, value),
    delItem: ([key]) => state.delItem(key),
    has: ([key]) => state.has(key),
    keys: () => state.keys(),
    values: () => state.values(),
    items: () => state.items(),
    update: ([source]) => state.update(source),
    pop: ([key, ...fallback]) => state.pop(key, fallback),
    popitem: () => state.popitem(),
    setdefault: ([key, fallback]) => state.setdefault(key, fallback),
    clear: () => state.clear(),
    copy: () => state.copy()
  })

// ---------------------------------------------------------------------------
// Namespace

const checkName = (name: unknown): string => {
  if (typeof name === "string") return name
  throw new ValueError({ message: `attribute name must be a string, not ${typeName(name)}` })
}

const noAttribute = (name: string) => new AttributeError({ message: `'Namespace' object has no attribute ${repr(name)}` })

export class NamespaceState {
  private readonly attributes = new Map<string, unknown>()

  constructor(initial?: unknown) {
    if (initial === undefined) return
    if (!isPlainObject(initial)) throw new ValueError({ message: `a Namespace is made from a plain object, not ${typeName(initial)}` })
    for (const [name, value] of Object.entries(initial)) this.attributes.set(name, value)
  }

  get(name: unknown): unknown {
    const n = checkName(name)
    if (!this.attributes.has(n)) throw noAttribute(n)
    return this.attributes.get(n)
  }
  set(name: unknown, value: unknown): void {
    this.attributes.set(checkName(name), value)
  }
  delete(name: unknown): void {
    const n = checkName(name)
    if (!this.attributes.delete(n)) throw noAttribute(n)
  }
  has(name: unknown): boolean {
    return this.attributes.has(checkName(name))
  }
  toObject(): Record<string, unknown> {
    return plainObject(this.attributes)
  }
}

export const serveNamespace = (state: NamespaceState): Served =>
  serveTable("Namespace", {
    get: ([name]) => state.get(name),
    set: ([name, value]) => state.set(name, value),
    delete: ([name]) => state.delete(name),
    has: ([name]) => state.has(name),
    toObject: () => state.toObject()
  })

// ---------------------------------------------------------------------------
// Handles: what every process holds (the owner's calls the state directly)

abstract class ManagedHandle implements Primitive {
  readonly [PrimitiveTypeId]: Backend

  constructor(backend: Backend) {
    this[PrimitiveTypeId] = backend
  }

  protected call<A, E = never>(method: string, args: ReadonlyArray<unknown> = []): Effect.Effect<A, E | OwnerGoneError> {
    return this[PrimitiveTypeId].call(method, args, processCaller()) as Effect.Effect<A, E | OwnerGoneError>
  }
}

/** A bound as it travels: null, not undefined, so plain data stays in the codec's fast format. */
const wire = (bound: number | null | undefined): number | null => bound ?? null

/** A shared list: Python's ListProxy. Indices and slices as Python's. */
export class ListHandle<A = unknown> extends ManagedHandle {
  unsafeLen(): Effect.Effect<number, OwnerGoneError> {
    return this.call("len")
  }
  unsafeGetItem(index: number): Effect.Effect<A, IndexError | ValueError | OwnerGoneError> {
    return this.call("getItem", [index])
  }
  unsafeSetItem(index: number, value: A): Effect.Effect<void, IndexError | ValueError | OwnerGoneError> {
    return this.call("setItem", [index, value])
  }
  unsafeDelItem(index: number): Effect.Effect<void, IndexError | ValueError | OwnerGoneError> {
    return this.call("delItem", [index])
  }
  unsafeSlice(start?: number | null, stop?: number | null, step?: number | null): Effect.Effect<Array<A>, ValueError | OwnerGoneError> {
    return this.call("slice", [wire(start), wire(stop), wire(step)])
  }
  unsafeSetSlice(start: number | null | undefined, stop: number | null | undefined, values: ReadonlyArray<A>): Effect.Effect<void, ValueError | OwnerGoneError> {
    return this.call("setSlice", [wire(start), wire(stop), values])
  }
  unsafeDelSlice(start?: number | null, stop?: number | null): Effect.Effect<void, ValueError | OwnerGoneError> {
    return this.call("delSlice", [wire(start), wire(stop)])
  }
  unsafeAppend(value: A): Effect.Effect<void, OwnerGoneError> {
    return this.call("append", [value])
  }
  unsafeExtend(values: ReadonlyArray<A>): Effect.Effect<void, ValueError | OwnerGoneError> {
    return this.call("extend", [values])
  }
  unsafePop(index = -1): Effect.Effect<A, IndexError | ValueError | OwnerGoneError> {
    return this.call("pop", [index])
  }
  unsafeInsert(index: number, value: A): Effect.Effect<void, ValueError | OwnerGoneError> {
    return this.call("insert", [index, value])
  }
  unsafeRemove(value: A): Effect.Effect<void, ValueError | OwnerGoneError> {
    return this.call("remove", [value])
  }
  unsafeReverse(): Effect.Effect<void, OwnerGoneError> {
    return this.call("reverse")
  }
  unsafeSort(options?: { readonly reverse?: boolean }): Effect.Effect<void, ValueError | OwnerGoneError> {
    return this.call("sort", [options?.reverse === true])
  }
  unsafeCount(value: A): Effect.Effect<number, OwnerGoneError> {
    return this.call("count", [value])
  }
  unsafeIndex(value: A, start?: number | null, stop?: number | null): Effect.Effect<number, ValueError | OwnerGoneError> {
    return this.call("index", [value, wire(start), wire(stop)])
  }
  unsafeContains(value: A): Effect.Effect<boolean, OwnerGoneError> {
    return this.call("contains", [value])
  }
  unsafeToArray(): Effect.Effect<Array<A>, OwnerGoneError> {
    return this.call("toArray")
  }

  /** `len(l)`. */
  get len(): Effect.Effect<number, OwnerGoneError> {
    return Effect.suspend(() => this.unsafeLen())
  }
  /** `l[i]`: negative counts from the end; IndexError outside. */
  getItem(index: number): Effect.Effect<A, IndexError | ValueError | OwnerGoneError> {
    return Effect.suspend(() => this.unsafeGetItem(index))
  }
  /** `l[i] = v`. */
  setItem(index: number, value: A): Effect.Effect<void, IndexError | ValueError | OwnerGoneError> {
    return Effect.suspend(() => this.unsafeSetItem(index, value))
  }
  /** `del l[i]`. */
  delItem(index: number): Effect.Effect<void, IndexError | ValueError | OwnerGoneError> {
    return Effect.suspend(() => this.unsafeDelItem(index))
  }
  /** `l[start:stop:step]`, a plain array; a missing bound is Python's None. ValueError for a zero step. */
  slice(start?: number | null, stop?: number | null, step?: number | null): Effect.Effect<Array<A>, ValueError | OwnerGoneError> {
    return Effect.suspend(() => this.unsafeSlice(start, stop, step))
  }
  /** `l[start:stop] = values` (the list grows or shrinks to fit). */
  setSlice(start: number | null | undefined, stop: number | null | undefined, values: ReadonlyArray<A>): Effect.Effect<void, ValueError | OwnerGoneError> {
    return Effect.suspend(() => this.unsafeSetSlice(start, stop, values))
  }
  /** `del l[start:stop]`. */
  delSlice(start?: number | null, stop?: number | null): Effect.Effect<void, ValueError | OwnerGoneError> {
    return Effect.suspend(() => this.unsafeDelSlice(start, stop))
  }
  append(value: A): Effect.Effect<void, OwnerGoneError> {
    return Effect.suspend(() => this.unsafeAppend(value))
  }
  extend(values: ReadonlyArray<A>): Effect.Effect<void, ValueError | OwnerGoneError> {
    return Effect.suspend(() => this.unsafeExtend(values))
  }
  /** Removes and gives the item at `index` (the last by default); IndexError when empty or outside. */
  pop(index?: number): Effect.Effect<A, IndexError | ValueError | OwnerGoneError> {
    return Effect.suspend(() => this.unsafePop(index))
  }
  /** Inserts before `index`, clamped to the list as Python does. */
  insert(index: number, value: A): Effect.Effect<void, ValueError | OwnerGoneError> {
    return Effect.suspend(() => this.unsafeInsert(index, value))
  }
  /** Removes the first item equal to `value` (deep equality); ValueError when there is none. */
  remove(value: A): Effect.Effect<void, ValueError | OwnerGoneError> {
    return Effect.suspend(() => this.unsafeRemove(value))
  }
  get reverse(): Effect.Effect<void, OwnerGoneError> {
    return Effect.suspend(() => this.unsafeReverse())
  }
  /**
   * Sorts in place, stably, in Python's order: numbers and bigints, strings (by
   * code point), or arrays of them (lexicographically). Items that do not compare
   * fail it with ValueError and leave the list as it was. No key function: it could not travel.
   */
  sort(options?: { readonly reverse?: boolean }): Effect.Effect<void, ValueError | OwnerGoneError> {
    return Effect.suspend(() => this.unsafeSort(options))
  }
  count(value: A): Effect.Effect<number, OwnerGoneError> {
    return Effect.suspend(() => this.unsafeCount(value))
  }
  /** The first position of `value` within `l[start:stop]`; ValueError when it is not there. */
  index(value: A, start?: number | null, stop?: number | null): Effect.Effect<number, ValueError | OwnerGoneError> {
    return Effect.suspend(() => this.unsafeIndex(value, start, stop))
  }
  /** `value in l`. */
  contains(value: A): Effect.Effect<boolean, OwnerGoneError> {
    return Effect.suspend(() => this.unsafeContains(value))
  }
  /** Every item, as a plain array (`list(l)`, `l[:]`). */
  get toArray(): Effect.Effect<Array<A>, OwnerGoneError> {
    return Effect.suspend(() => this.unsafeToArray())
  }
}

export type DictEntries<K extends DictKey, V> = ReadonlyArray<readonly [K, V]> | ReadonlyMap<K, V> | (K extends string ? { readonly [key: string]: V } : never)

/** A shared dict: Python's DictProxy, insertion-ordered. Keys: see `DictKey`. */
export class DictHandle<K extends DictKey = DictKey, V = unknown> extends ManagedHandle {
  unsafeLen(): Effect.Effect<number, OwnerGoneError> {
    return this.call("len")
  }
  unsafeGet(key: K, ...fallback: [] | [unknown]): Effect.Effect<unknown, ValueError | OwnerGoneError> {
    return this.call("get", [key, ...fallback])
  }
  unsafeGetItem(key: K): Effect.Effect<V, KeyError | ValueError | OwnerGoneError> {
    return this.call("getItem", [key])
  }
  unsafeSetItem(key: K, value: V): Effect.Effect<void, ValueError | OwnerGoneError> {
    return this.call("setItem", [key, value])
  }
  unsafeDelItem(key: K): Effect.Effect<void, KeyError | ValueError | OwnerGoneError> {
    return this.call("delItem", [key])
  }
  unsafeHas(key: K): Effect.Effect<boolean, ValueError | OwnerGoneError> {
    return this.call("has", [key])
  }
  unsafeKeys(): Effect.Effect<Array<K>, OwnerGoneError> {
    return this.call("keys")
  }
  unsafeValues(): Effect.Effect<Array<V>, OwnerGoneError> {
    return this.call("values")
  }
  unsafeItems(): Effect.Effect<Array<[K, V]>, OwnerGoneError> {
    return this.call("items")
  }
  unsafeUpdate(entries: DictEntries<K, V>): Effect.Effect<void, ValueError | OwnerGoneError> {
    return this.call("update", [entries])
  }
  unsafePop(key: K, ...fallback: [] | [unknown]): Effect.Effect<unknown, KeyError | ValueError | OwnerGoneError> {
    return this.call("pop", [key, ...fallback])
  }
  unsafePopitem(): Effect.Effect<[K, V], KeyError | OwnerGoneError> {
    return this.call("popitem")
  }
  unsafeSetdefault(key: K, fallback?: V): Effect.Effect<V, ValueError | OwnerGoneError> {
    // No default sent for none: the value it puts is undefined either way, and plain data travels faster.
    return this.call("setdefault", fallback === undefined ? [key] : [key, fallback])
  }
  unsafeClear(): Effect.Effect<void, OwnerGoneError> {
    return this.call("clear")
  }
  unsafeCopy(): Effect.Effect<Map<K, V>, OwnerGoneError> {
    return this.call("copy")
  }

  /** `len(d)`. */
  get len(): Effect.Effect<number, OwnerGoneError> {
    return Effect.suspend(() => this.unsafeLen())
  }
  /** `d.get(key, default)`: the value, else `fallback`, else undefined (Python's None). */
  get(key: K): Effect.Effect<V | undefined, ValueError | OwnerGoneError>
  get<D>(key: K, fallback: D): Effect.Effect<V | D, ValueError | OwnerGoneError>
  get(key: K, ...fallback: [] | [unknown]): Effect.Effect<unknown, ValueError | OwnerGoneError> {
    return Effect.suspend(() => this.unsafeGet(key, ...fallback))
  }
  /** `d[key]`; KeyError when missing. */
  getItem(key: K): Effect.Effect<V, KeyError | ValueError | OwnerGoneError> {
    return Effect.suspend(() => this.unsafeGetItem(key))
  }
  /** `d[key] = value`. */
  setItem(key: K, value: V): Effect.Effect<void, ValueError | OwnerGoneError> {
    return Effect.suspend(() => this.unsafeSetItem(key, value))
  }
  /** `del d[key]`; KeyError when missing. */
  delItem(key: K): Effect.Effect<void, KeyError | ValueError | OwnerGoneError> {
    return Effect.suspend(() => this.unsafeDelItem(key))
  }
  /** `key in d`. */
  has(key: K): Effect.Effect<boolean, ValueError | OwnerGoneError> {
    return Effect.suspend(() => this.unsafeHas(key))
  }
  /** The keys in insertion order, as a plain array (iterating a dict gives these). */
  get keys(): Effect.Effect<Array<K>, OwnerGoneError> {
    return Effect.suspend(() => this.unsafeKeys())
  }
  get values(): Effect.Effect<Array<V>, OwnerGoneError> {
    return Effect.suspend(() => this.unsafeValues())
  }
  /** [key, value] pairs in insertion order. */
  get items(): Effect.Effect<Array<[K, V]>, OwnerGoneError> {
    return Effect.suspend(() => this.unsafeItems())
  }
  /** `d.update(…)` from [key, value] pairs, a plain object or a Map. */
  update(entries: DictEntries<K, V>): Effect.Effect<void, ValueError | OwnerGoneError> {
    return Effect.suspend(() => this.unsafeUpdate(entries))
  }
  /** Removes and gives the value of `key`; when missing, `fallback` if given, else KeyError. */
  pop(key: K): Effect.Effect<V, KeyError | ValueError | OwnerGoneError>
  pop<D>(key: K, fallback: D): Effect.Effect<V | D, ValueError | OwnerGoneError>
  pop(key: K, ...fallback: [] | [unknown]): Effect.Effect<unknown, KeyError | ValueError | OwnerGoneError> {
    return Effect.suspend(() => this.unsafePop(key, ...fallback))
  }
  /** Removes and gives the last pair put in; KeyError when empty. */
  get popitem(): Effect.Effect<[K, V], KeyError | OwnerGoneError> {
    return Effect.suspend(() => this.unsafePopitem())
  }
  /** The value of `key`, putting `fallback` (undefined by default) there first when missing. */
  setdefault(key: K, fallback?: V): Effect.Effect<V, ValueError | OwnerGoneError> {
    return Effect.suspend(() => this.unsafeSetdefault(key, fallback))
  }
  get clear(): Effect.Effect<void, OwnerGoneError> {
    return Effect.suspend(() => this.unsafeClear())
  }
  /** A plain Map of every pair (`d.copy()`). */
  get copy(): Effect.Effect<Map<K, V>, OwnerGoneError> {
    return Effect.suspend(() => this.unsafeCopy())
  }
}

/** A shared Namespace: Python's `manager.Namespace()`, attributes by name. */
export class NamespaceHandle extends ManagedHandle {
  unsafeGet(name: string): Effect.Effect<unknown, AttributeError | ValueError | OwnerGoneError> {
    return this.call("get", [name])
  }
  unsafeSet(name: string, value: unknown): Effect.Effect<void, ValueError | OwnerGoneError> {
    return this.call("set", [name, value])
  }
  unsafeDelete(name: string): Effect.Effect<void, AttributeError | ValueError | OwnerGoneError> {
    return this.call("delete", [name])
  }
  unsafeHas(name: string): Effect.Effect<boolean, ValueError | OwnerGoneError> {
    return this.call("has", [name])
  }
  unsafeToObject(): Effect.Effect<Record<string, unknown>, OwnerGoneError> {
    return this.call("toObject")
  }

  /** `ns.name`; AttributeError when it has none. */
  get(name: string): Effect.Effect<unknown, AttributeError | ValueError | OwnerGoneError> {
    return Effect.suspend(() => this.unsafeGet(name))
  }
  /** `ns.name = value`. */
  set(name: string, value: unknown): Effect.Effect<void, ValueError | OwnerGoneError> {
    return Effect.suspend(() => this.unsafeSet(name, value))
  }
  /** `del ns.name`; AttributeError when it has none. */
  delete(name: string): Effect.Effect<void, AttributeError | ValueError | OwnerGoneError> {
    return Effect.suspend(() => this.unsafeDelete(name))
  }
  /** `hasattr(ns, name)`. */
  has(name: string): Effect.Effect<boolean, ValueError | OwnerGoneError> {
    return Effect.suspend(() => this.unsafeHas(name))
  }
  /** Every attribute, as a plain object (what Python's repr of a Namespace shows). */
  get toObject(): Effect.Effect<Record<string, unknown>, OwnerGoneError> {
    return Effect.suspend(() => this.unsafeToObject())
  }
}

export type ManagedHandleOf = ListHandle | DictHandle | NamespaceHandle

// ---------------------------------------------------------------------------
// Made here, or revived from a reference

/** The owner's side: the handle, and the id to unregister when it is no longer served. */
export interface MadeLocal<H> {
  readonly handle: H
  readonly id: string
}

const made = <H extends ManagedHandle>(handle: H): MadeLocal<H> => ({ handle, id: handle[PrimitiveTypeId].id })

/** A list this process serves, holding `initial`'s items (the array itself is not kept). Throws ValueError if it is not an array. */
export const makeLocalList = <A = unknown>(initial?: ReadonlyArray<A>): MadeLocal<ListHandle<A>> =>
  made(new ListHandle<A>(local(serveList(new ListState(initial)))))

/** A dict this process serves, from [key, value] pairs, a plain object or a Map. Throws ValueError for a bad key or entry. */
export const makeLocalDict = <K extends DictKey = DictKey, V = unknown>(initial?: DictEntries<K, V>): MadeLocal<DictHandle<K, V>> =>
  made(new DictHandle<K, V>(local(serveDict(new DictState(initial)))))

/** A Namespace this process serves, with `initial`'s attributes. Throws ValueError if it is not a plain object. */
export const makeLocalNamespace = (initial?: Record<string, unknown>): MadeLocal<NamespaceHandle> =>
  made(new NamespaceHandle(local(serveNamespace(new NamespaceState(initial)))))

/** The proxy of a list, dict or Namespace another process serves; undefined for another kind. */
const reviveManaged = (backend: Backend, kind: string): ManagedHandleOf | undefined =>
  kind === "list"
    ? new ListHandle(backend)
    : kind === "dict"
    ? new DictHandle(backend)
    : kind === "Namespace"
    ? new NamespaceHandle(backend)
    : undefined

registerRevival("Managed", (reference) => reviveManaged(remote(reference), reference.kind))
