/**
 * The shared `list` a Manager serves (CPython's ListProxy): indices and slices
 * as Python's, `sort` in Python's order. See pythonValues.ts for what the
 * shared list, dict and Namespace have in common.
 */
import { isDeepStrictEqual } from "node:util"
import type { Effect, Scope } from "effect"
import { IndexError, type OwnerGoneError, ValueError } from "../../Errors.js"
import type * as Public from "../../Manager.js"
import { remote } from "../served/backend.js"
import { type Definition, SharedObject } from "../served/definition.js"
import { registerRevival } from "../served/revive.js"
import { sliceIndices } from "../pythonSlice.js"
import { atOnce, integer, makeServed, optionalInteger, repr, same, typeName } from "./pythonValues.js"

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
// The owner's list

const sliceBound = (value: unknown) => optionalInteger(value, "slice indices")

class ListState {
  items: Array<unknown>

  constructor(initial: ReadonlyArray<unknown> = []) {
    if (!Array.isArray(initial)) throw new ValueError({ message: `a list is made from an array, not ${typeName(initial)}` })
    this.items = [...initial]
  }

  /** `index` as Python's `l[index]` finds it; IndexError with `message` outside. */
  position(index: unknown, message: string): number {
    const i = integer(index, "list indices")
    const at = i < 0 ? i + this.items.length : i
    if (at < 0 || at >= this.items.length) throw new IndexError({ message })
    return at
  }

  /** Python's bounds of `l[start:stop]` (step 1), for assignment and deletion. */
  span(start: unknown, stop: unknown) {
    const bounds = sliceIndices(this.items.length, sliceBound(start), sliceBound(stop))
    return { start: bounds.start, stop: Math.max(bounds.start, bounds.stop) }
  }
}

const definition: Definition<ListState> = {
  kind: () => "list",
  operations: atOnce<ListState>({
    len: (s) => s.items.length,
    getItem: (s, [index]) => s.items[s.position(index, "list index out of range")],
    setItem: (s, [index, value]) => {
      s.items[s.position(index, "list assignment index out of range")] = value
    },
    delItem: (s, [index]) => {
      s.items.splice(s.position(index, "list assignment index out of range"), 1)
    },
    slice: (s, [start, stop, step]) => {
      const by = optionalInteger(step, "slice indices") ?? 1
      const bounds = sliceIndices(s.items.length, sliceBound(start), sliceBound(stop), by)
      const out: Array<unknown> = []
      for (let i = bounds.start; by > 0 ? i < bounds.stop : i > bounds.stop; i += by) out.push(s.items[i])
      return out
    },
    setSlice: (s, [start, stop, values]) => {
      const span = s.span(start, stop)
      if (!Array.isArray(values)) throw new ValueError({ message: `can only assign an array to a slice, not ${typeName(values)}` })
      // A new array rather than splice(...values): no limit on how many values.
      s.items = [...s.items.slice(0, span.start), ...values, ...s.items.slice(span.stop)]
    },
    delSlice: (s, [start, stop]) => {
      const span = s.span(start, stop)
      s.items.splice(span.start, span.stop - span.start)
    },
    append: (s, [value]) => {
      s.items.push(value)
    },
    extend: (s, [values]) => {
      if (!Array.isArray(values)) throw new ValueError({ message: `a list is extended with an array, not ${typeName(values)}` })
      for (const value of values) s.items.push(value)
    },
    pop: (s, [index]) => {
      if (s.items.length === 0) throw new IndexError({ message: "pop from empty list" })
      return s.items.splice(s.position(index ?? -1, "pop index out of range"), 1)[0]
    },
    insert: (s, [index, value]) => {
      const i = integer(index, "list indices")
      const n = s.items.length
      s.items.splice(i < 0 ? Math.max(0, i + n) : Math.min(i, n), 0, value)
    },
    remove: (s, [value]) => {
      const at = s.items.findIndex((item) => same(item, value))
      if (at < 0) throw new ValueError({ message: "list.remove(x): x not in list" })
      s.items.splice(at, 1)
    },
    reverse: (s) => {
      s.items.reverse()
    },
    // Stable, as Python's (also with `reverse`); on a failing comparison the list is left as it was.
    sort: (s, [reverse]) => {
      s.items = [...s.items].sort(reverse === true ? (a, b) => compare(b, a) : compare)
    },
    count: (s, [value]) => s.items.reduce<number>((n, item) => same(item, value) ? n + 1 : n, 0),
    index: (s, [value, start, stop]) => {
      const n = s.items.length
      const from = (bound: number | undefined, otherwise: number) => bound === undefined ? otherwise : bound < 0 ? Math.max(0, bound + n) : bound
      const end = Math.min(from(sliceBound(stop), n), n)
      for (let i = from(sliceBound(start), 0); i < end; i++) if (same(s.items[i], value)) return i
      throw new ValueError({ message: `${repr(value)} is not in list` })
    },
    contains: (s, [value]) => s.items.some((item) => same(item, value)),
    toArray: (s) => [...s.items]
  })
}

// ---------------------------------------------------------------------------
// What every holder calls

/** A bound as it travels: null, not undefined, so plain data stays in the codec's fast format. */
const wire = (bound: number | null | undefined): number | null => bound ?? null

type L<A> = Public.ListHandle<A>

export class ListHandle<A = unknown> extends SharedObject implements Public.ListHandle<A> {
  readonly len = this.op<number, OwnerGoneError>("len")
  readonly getItem: L<A>["getItem"] = (index) => this.op("getItem", [index])
  readonly setItem: L<A>["setItem"] = (index, value) => this.op("setItem", [index, value])
  readonly delItem: L<A>["delItem"] = (index) => this.op("delItem", [index])
  readonly slice: L<A>["slice"] = (start, stop, step) => this.op("slice", [wire(start), wire(stop), wire(step)])
  readonly setSlice: L<A>["setSlice"] = (start, stop, values) => this.op("setSlice", [wire(start), wire(stop), values])
  readonly delSlice: L<A>["delSlice"] = (start, stop) => this.op("delSlice", [wire(start), wire(stop)])
  readonly append: L<A>["append"] = (value) => this.op("append", [value])
  readonly extend: L<A>["extend"] = (values) => this.op("extend", [values])
  readonly pop: L<A>["pop"] = (index = -1) => this.op("pop", [index])
  readonly insert: L<A>["insert"] = (index, value) => this.op("insert", [index, value])
  readonly remove: L<A>["remove"] = (value) => this.op("remove", [value])
  readonly reverse = this.op<void, OwnerGoneError>("reverse")
  readonly sort: L<A>["sort"] = (options) => this.op("sort", [options?.reverse === true])
  readonly count: L<A>["count"] = (value) => this.op("count", [value])
  readonly index: L<A>["index"] = (value, start, stop) => this.op("index", [value, wire(start), wire(stop)])
  readonly contains: L<A>["contains"] = (value) => this.op("contains", [value])
  readonly toArray = this.op<Array<A>, OwnerGoneError>("toArray")
}

/** A list this process serves while the Scope is open, holding `initial`'s items (the array itself is not kept). ValueError if it is not an array. */
export const make = <A = unknown>(initial?: ReadonlyArray<A>): Effect.Effect<ListHandle<A>, ValueError, Scope.Scope> =>
  makeServed(definition, () => new ListState(initial), ListHandle<A>)

registerRevival("list", (reference) => reference.kind === "list" ? new ListHandle(remote(reference), definition.operations) : undefined)
