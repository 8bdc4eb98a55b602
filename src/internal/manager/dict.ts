/**
 * The shared `dict` a Manager serves (CPython's DictProxy): insertion-ordered,
 * its keys values compared by value in every process (see `DictKey` in
 * Manager.ts). See pythonValues.ts for what the shared list, dict and
 * Namespace have in common.
 */
import type { Effect, Scope } from "effect"
import { KeyError, type OwnerGoneError, ValueError } from "../../Errors.js"
import type * as Public from "../../Manager.js"
import { remote } from "../served/backend.js"
import { type Definition, SharedObject } from "../served/definition.js"
import { registerRevival } from "../served/revive.js"
import { atOnce, isPlainObject, makeServed, repr, typeName } from "./pythonValues.js"

type DictKey = Public.DictKey

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

/** As Python's: pairs before a bad one are in. A Map keeps insertion order, as Python's dict does. */
const update = (entries: Map<DictKey, unknown>, source: unknown): void => {
  for (const [key, value] of entriesOf(source)) entries.set(key, value)
}

const present = (entries: Map<DictKey, unknown>, key: unknown): DictKey => {
  const k = checkKey(key)
  if (!entries.has(k)) throw new KeyError({ message: repr(k) })
  return k
}

// A default is whether the caller gave one (by count), so that `undefined` can be one.
const definition: Definition<Map<DictKey, unknown>> = {
  kind: () => "dict",
  operations: atOnce<Map<DictKey, unknown>>({
    len: (entries) => entries.size,
    get: (entries, [key, ...fallback]) => {
      const k = checkKey(key)
      return entries.has(k) ? entries.get(k) : fallback[0]
    },
    getItem: (entries, [key]) => entries.get(present(entries, key)),
    setItem: (entries, [key, value]) => {
      entries.set(checkKey(key), value)
    },
    delItem: (entries, [key]) => {
      entries.delete(present(entries, key))
    },
    has: (entries, [key]) => entries.has(checkKey(key)),
    keys: (entries) => [...entries.keys()],
    values: (entries) => [...entries.values()],
    items: (entries) => [...entries],
    update: (entries, [source]) => update(entries, source),
    pop: (entries, [key, ...fallback]) => {
      const k = checkKey(key)
      if (!entries.has(k) && fallback.length > 0) return fallback[0]
      const value = entries.get(present(entries, k))
      entries.delete(k)
      return value
    },
    // The last pair put in (LIFO). Finding it walks the Map: a Map cannot be read from its end.
    popitem: (entries) => {
      let last: [DictKey, unknown] | undefined
      for (const entry of entries) last = entry
      if (last === undefined) throw new KeyError({ message: "popitem(): dictionary is empty" })
      entries.delete(last[0])
      return last
    },
    setdefault: (entries, [key, fallback]) => {
      const k = checkKey(key)
      if (entries.has(k)) return entries.get(k)
      entries.set(k, fallback)
      return fallback
    },
    clear: (entries) => entries.clear(),
    copy: (entries) => new Map(entries)
  })
}

type D<K extends DictKey, V> = Public.DictHandle<K, V>

export class DictHandle<K extends DictKey = DictKey, V = unknown> extends SharedObject implements Public.DictHandle<K, V> {
  readonly len = this.op<number, OwnerGoneError>("len")
  readonly get = ((key: K, ...fallback: [] | [unknown]) => this.op("get", [key, ...fallback])) as D<K, V>["get"]
  readonly getItem: D<K, V>["getItem"] = (key) => this.op("getItem", [key])
  readonly setItem: D<K, V>["setItem"] = (key, value) => this.op("setItem", [key, value])
  readonly delItem: D<K, V>["delItem"] = (key) => this.op("delItem", [key])
  readonly has: D<K, V>["has"] = (key) => this.op("has", [key])
  readonly keys = this.op<Array<K>, OwnerGoneError>("keys")
  readonly values = this.op<Array<V>, OwnerGoneError>("values")
  readonly items = this.op<Array<[K, V]>, OwnerGoneError>("items")
  readonly update: D<K, V>["update"] = (entries) => this.op("update", [entries])
  readonly pop = ((key: K, ...fallback: [] | [unknown]) => this.op("pop", [key, ...fallback])) as D<K, V>["pop"]
  readonly popitem = this.op<[K, V], KeyError | OwnerGoneError>("popitem")
  // No default sent for none: the value it puts is undefined either way, and plain data travels faster.
  readonly setdefault: D<K, V>["setdefault"] = (key, fallback) => this.op("setdefault", fallback === undefined ? [key] : [key, fallback])
  readonly clear = this.op<void, OwnerGoneError>("clear")
  readonly copy = this.op<Map<K, V>, OwnerGoneError>("copy")
}

/** A dict this process serves while the Scope is open, from [key, value] pairs, a plain object or a Map. ValueError for a bad key or entry. */
export const make = <K extends DictKey = DictKey, V = unknown>(
  initial?: Public.DictEntries<K, V>
): Effect.Effect<DictHandle<K, V>, ValueError, Scope.Scope> =>
  makeServed(definition, () => {
    const entries = new Map<DictKey, unknown>()
    if (initial !== undefined) update(entries, initial)
    return entries
  }, DictHandle<K, V>)

registerRevival("dict", (reference) => reference.kind === "dict" ? new DictHandle(remote(reference), definition.operations) : undefined)
