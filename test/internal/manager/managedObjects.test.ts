import { isDeepStrictEqual } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, FastCheck as fc } from "effect"
import { Manager, NodeMultiprocessing, Process } from "effect-multiprocessing"
import * as compat from "effect-multiprocessing/compat"
import type * as DictModule from "../../../src/internal/manager/dict.js"
import type * as ListModule from "../../../src/internal/manager/list.js"
import type * as NamespaceModule from "../../../src/internal/manager/namespace.js"
import type * as Primitive from "../../../src/internal/served/backend.js"

// The build's modules, as the package's are (vitest.config.ts): one resource server and one
// codec with the Process module, so that what they serve is what children reach.
const dist = (file: string) => new URL(`../../../dist/${file}`, import.meta.url).href
const List: typeof ListModule = await import(dist("internal/manager/list.js"))
const Dict: typeof DictModule = await import(dist("internal/manager/dict.js"))
const Namespace: typeof NamespaceModule = await import(dist("internal/manager/namespace.js"))
const primitive: typeof Primitive = await import(dist("internal/served/backend.js"))

/** What an operation gave: its value, or the tag of its typed error. */
type Outcome = { readonly ok: unknown } | { readonly error: string }
const ok = (value?: unknown): Outcome => ({ ok: value })
const fail = (tag: string): Outcome => ({ error: tag })
const outcome = <A, E extends { readonly _tag: string }>(self: Effect.Effect<A, E>): Effect.Effect<Outcome> =>
  Effect.map(Effect.either(self), Either.match({ onLeft: (e) => fail(e._tag), onRight: (value) => ok(value) }))

// ---------------------------------------------------------------------------
// list: the model is a JS array with Python's semantics, written out plainly

const values = {
  numbers: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(0.5, -1.5, 2.5), fc.bigInt({ min: -3n, max: 3n })),
  strings: fc.constantFrom("", "a", "b", "ab", "é", "\uffff", "😀", "z"),
  arrays: fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 })
}
const anyValue = fc.oneof(values.numbers, values.strings, values.arrays)

type ListOp =
  | readonly ["len" | "reverse" | "toArray"]
  | readonly ["getItem" | "delItem", number]
  | readonly ["pop", number | undefined]
  | readonly ["setItem" | "insert", number, unknown]
  | readonly ["slice", number | null, number | null, number | null]
  | readonly ["setSlice", number | null, number | null, Array<unknown>]
  | readonly ["delSlice", number | null, number | null]
  | readonly ["append" | "remove" | "count" | "contains", unknown]
  | readonly ["extend", Array<unknown>]
  | readonly ["sort", boolean]
  | readonly ["index", unknown, number | null, number | null]

const listOp = (value: fc.Arbitrary<unknown>): fc.Arbitrary<ListOp> => {
  const index = fc.integer({ min: -7, max: 7 })
  const bound = fc.option(index, { nil: null })
  return fc.oneof(
    fc.constantFrom<ListOp>(["len"], ["reverse"], ["toArray"]),
    fc.tuple(fc.constantFrom("getItem" as const, "delItem" as const), index),
    fc.tuple(fc.constant("pop" as const), fc.option(index, { nil: undefined })),
    fc.tuple(fc.constantFrom("setItem" as const, "insert" as const), index, value),
    fc.tuple(fc.constant("slice" as const), bound, bound, fc.option(fc.integer({ min: -3, max: 3 }), { nil: null })),
    fc.tuple(fc.constant("setSlice" as const), bound, bound, fc.array(value, { maxLength: 3 })),
    fc.tuple(fc.constant("delSlice" as const), bound, bound),
    fc.tuple(fc.constantFrom("append" as const, "remove" as const, "count" as const, "contains" as const), value),
    fc.tuple(fc.constant("extend" as const), fc.array(value, { maxLength: 3 })),
    fc.tuple(fc.constant("sort" as const), fc.boolean()),
    fc.tuple(fc.constant("index" as const), value, bound, bound)
  )
}

const runList = (list: Manager.ListHandle, op: ListOp): Effect.Effect<Outcome> => {
  switch (op[0]) {
    case "len":
      return outcome(list.len)
    case "reverse":
      return outcome(list.reverse)
    case "toArray":
      return outcome(list.toArray)
    case "getItem":
      return outcome(list.getItem(op[1]))
    case "delItem":
      return outcome(list.delItem(op[1]))
    case "pop":
      return outcome(list.pop(op[1]))
    case "setItem":
      return outcome(list.setItem(op[1], op[2]))
    case "insert":
      return outcome(list.insert(op[1], op[2]))
    case "slice":
      return outcome(list.slice(op[1], op[2], op[3]))
    case "setSlice":
      return outcome(list.setSlice(op[1], op[2], op[3]))
    case "delSlice":
      return outcome(list.delSlice(op[1], op[2]))
    case "append":
      return outcome(list.append(op[1]))
    case "remove":
      return outcome(list.remove(op[1]))
    case "count":
      return outcome(list.count(op[1]))
    case "contains":
      return outcome(list.contains(op[1]))
    case "extend":
      return outcome(list.extend(op[1]))
    case "sort":
      return outcome(list.sort({ reverse: op[1] }))
    case "index":
      return outcome(list.index(op[1], op[2], op[3]))
  }
}

/** Python's `a < b` for what the generators make: numbers and bigints, strings by code point, arrays of integers. */
const pyLess = (a: unknown, b: unknown): boolean => {
  if (typeof a === "string" && typeof b === "string") {
    const [x, y] = [[...a].map((c) => c.codePointAt(0)!), [...b].map((c) => c.codePointAt(0)!)]
    return pyLess(x, y)
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] != b[i]) return a[i] < b[i]
    return a.length < b.length
  }
  return (a as number) < (b as number)
}
const sortClass = (v: unknown) => typeof v === "number" || typeof v === "bigint" ? "number" : typeof v
/** list.sort: items of two kinds (number, string, array) cannot all be compared, and the list stays as it was. */
const pySort = (items: Array<unknown>, reverse: boolean): Outcome => {
  if (items.length > 1 && new Set(items.map(sortClass)).size > 1) return fail("ValueError")
  // Python: reverse, sort stably (insertion sort here), reverse again: equal items keep their order.
  const sorted = reverse ? [...items].reverse() : [...items]
  for (let i = 1; i < sorted.length; i++) {
    for (let j = i; j > 0 && pyLess(sorted[j], sorted[j - 1]); j--) [sorted[j - 1], sorted[j]] = [sorted[j], sorted[j - 1]]
  }
  items.splice(0, items.length, ...(reverse ? sorted.reverse() : sorted))
  return ok()
}

/** Python's slice bounds (`slice.indices`), written as Python's docs put them. */
const pyBounds = (n: number, start: number | null, stop: number | null, step: number) => {
  const clamp = (i: number, low: number, high: number) => Math.min(Math.max(i, low), high)
  const fix = (i: number | null, otherwise: number) =>
    i === null ? otherwise : step > 0 ? clamp(i < 0 ? i + n : i, 0, n) : clamp(i < 0 ? i + n : i, -1, n - 1)
  return [fix(start, step > 0 ? 0 : n - 1), fix(stop, step > 0 ? n : -1)]
}

const listModel = (items: Array<unknown>, op: ListOp): Outcome => {
  const n = items.length
  const at = (i: number) => (i < 0 ? i + n : i)
  const inside = (i: number) => at(i) >= 0 && at(i) < n
  switch (op[0]) {
    case "len":
      return ok(n)
    case "reverse":
      items.reverse()
      return ok()
    case "toArray":
      return ok([...items])
    case "getItem":
      return inside(op[1]) ? ok(items[at(op[1])]) : fail("IndexError")
    case "delItem":
      return inside(op[1]) ? ok(void items.splice(at(op[1]), 1)) : fail("IndexError")
    case "pop": {
      const i = op[1] ?? -1
      return n > 0 && inside(i) ? ok(items.splice(at(i), 1)[0]) : fail("IndexError")
    }
    case "setItem":
      if (!inside(op[1])) return fail("IndexError")
      items[at(op[1])] = op[2]
      return ok()
    case "insert":
      items.splice(Math.min(Math.max(at(op[1]), 0), n), 0, op[2])
      return ok()
    case "slice": {
      const step = op[3] ?? 1
      if (step === 0) return fail("ValueError")
      const [start, stop] = pyBounds(n, op[1], op[2], step)
      const picked = items.filter((_, i) => (step > 0 ? i >= start && i < stop : i <= start && i > stop) && (i - start) % step === 0)
      return ok(step > 0 ? picked : picked.reverse())
    }
    case "setSlice":
    case "delSlice": {
      const [start, stop] = pyBounds(n, op[1], op[2], 1)
      items.splice(start, Math.max(0, stop - start), ...(op[0] === "setSlice" ? op[3] : []))
      return ok()
    }
    case "append":
      items.push(op[1])
      return ok()
    case "extend":
      items.push(...op[1])
      return ok()
    case "remove": {
      const i = items.findIndex((item) => isDeepStrictEqual(item, op[1]))
      return i < 0 ? fail("ValueError") : ok(void items.splice(i, 1))
    }
    case "count":
      return ok(items.filter((item) => isDeepStrictEqual(item, op[1])).length)
    case "contains":
      return ok(items.some((item) => isDeepStrictEqual(item, op[1])))
    case "sort":
      return pySort(items, op[1])
    case "index": {
      const [start, stop] = pyBounds(n, op[2], op[3], 1)
      for (let i = start; i < stop; i++) if (isDeepStrictEqual(items[i], op[1])) return ok(i)
      return fail("ValueError")
    }
  }
}

describe("list (owner-local): a ListHandle behaves as a Python list", () => {
  it.scoped.prop(
    "random operations give the model's results, errors and final contents",
    [
      fc.constantFrom("numbers", "strings", "arrays", "mixed").chain((kind) => {
        const value = kind === "mixed" ? anyValue : values[kind as keyof typeof values]
        return fc.tuple(fc.array(value, { maxLength: 6 }), fc.array(listOp(value), { maxLength: 30 }))
      })
    ],
    ([[initial, ops]]) =>
      Effect.gen(function*() {
        const list = yield* List.make<unknown>(initial)
        const model = [...initial]
        for (const op of ops) {
          const got = yield* runList(list, op)
          expect(got, JSON.stringify(op, (_, v) => typeof v === "bigint" ? `${v}n` : v)).toEqual(listModel(model, op))
        }
        expect(yield* list.toArray).toEqual(model)
        expect(yield* list.len).toBe(model.length)
      }),
    { fastCheck: { numRuns: 300 } }
  )

  it.scoped("slices, errors and sorting as Python has them", () =>
    Effect.gen(function*() {
      const list = yield* List.make<unknown>(Array.from({ length: 10 }, (_, i) => i))
      // Python: l[::-1], l[-3:], l[8:2:-2], l[-100:100:3], l[5:-100:-1], l[::-3]
      expect(yield* list.slice(null, null, -1)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0])
      expect(yield* list.slice(-3)).toEqual([7, 8, 9])
      expect(yield* list.slice(8, 2, -2)).toEqual([8, 6, 4])
      expect(yield* list.slice(-100, 100, 3)).toEqual([0, 3, 6, 9])
      expect(yield* list.slice(5, -100, -1)).toEqual([5, 4, 3, 2, 1, 0])
      expect(yield* list.slice(null, null, -3)).toEqual([9, 6, 3, 0])
      expect(yield* list.slice(0, 1, 0).pipe(Effect.flip)).toMatchObject({ _tag: "ValueError", message: "slice step cannot be zero" })
      expect(yield* list.getItem(10).pipe(Effect.flip)).toMatchObject({ _tag: "IndexError", message: "list index out of range" })
      expect(yield* list.remove(42).pipe(Effect.flip)).toMatchObject({ message: "list.remove(x): x not in list" })
      expect(yield* list.index(42).pipe(Effect.flip)).toMatchObject({ _tag: "ValueError", message: "42 is not in list" })
      expect(yield* list.pop(99).pipe(Effect.flip)).toMatchObject({ message: "pop index out of range" })
      yield* list.setSlice(2, 8, [])
      expect(yield* list.toArray).toEqual([0, 1, 8, 9])
      yield* list.delSlice()
      expect(yield* list.pop().pipe(Effect.flip)).toMatchObject({ message: "pop from empty list" })
      // Strings by code point, not UTF-16 unit: U+FFFF < U+1F600.
      yield* list.extend(["😀", "\uffff", "b", "a"])
      yield* list.sort()
      expect(yield* list.toArray).toEqual(["a", "b", "\uffff", "😀"])
      yield* list.append(1)
      const mixed = yield* list.sort().pipe(Effect.flip)
      expect(mixed).toMatchObject({ _tag: "ValueError" })
      expect(mixed.message).toContain("'<' not supported between instances of")
      expect(yield* list.toArray).toEqual(["a", "b", "\uffff", "😀", 1])
      // Numbers and bigints together, stable: 1 and 1n keep their order, also reversed.
      yield* list.setSlice(null, null, [2, 1n, 0.5, 1, [0]])
      yield* list.delItem(-1)
      yield* list.sort({ reverse: true })
      expect(yield* list.toArray).toEqual([2, 1n, 1, 0.5])
    }))
})

// ---------------------------------------------------------------------------
// dict: the model is a Map, with Python's KeyError where Python raises it

const goodKeys = fc.constantFrom<Manager.DictKey>("a", "b", "c", "", 1, 2, 1n, true, null)
const key = fc.oneof({ weight: 12, arbitrary: goodKeys }, { weight: 1, arbitrary: fc.constantFrom<unknown>({}, [1]) })
const isKey = (k: unknown) => k === null || ["string", "number", "bigint", "boolean"].includes(typeof k)

type DictOp =
  | readonly ["len" | "keys" | "values" | "items" | "popitem" | "clear" | "copy"]
  | readonly ["get" | "pop", unknown, ...([] | [number])]
  | readonly ["getItem" | "delItem" | "has", unknown]
  | readonly ["setItem", unknown, number]
  | readonly ["setdefault", unknown, number | undefined]
  | readonly ["update", Array<[unknown, number]> | Record<string, number> | Map<unknown, number>]

const dictOp: fc.Arbitrary<DictOp> = fc.oneof(
  fc.constantFrom<DictOp>(["len"], ["keys"], ["values"], ["items"], ["popitem"], ["clear"], ["copy"]),
  fc.tuple(fc.constantFrom("get" as const, "pop" as const), key),
  fc.tuple(fc.constantFrom("get" as const, "pop" as const), key, fc.integer()),
  fc.tuple(fc.constantFrom("getItem" as const, "delItem" as const, "has" as const), key),
  fc.tuple(fc.constant("setItem" as const), key, fc.integer()),
  fc.tuple(fc.constant("setdefault" as const), key, fc.option(fc.integer(), { nil: undefined })),
  fc.tuple(
    fc.constant("update" as const),
    fc.oneof(
      fc.array(fc.tuple(key, fc.integer()), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom("a", "b", "z"), fc.integer()),
      fc.array(fc.tuple(goodKeys, fc.integer()), { maxLength: 3 }).map((pairs) => new Map<unknown, number>(pairs))
    )
  )
)

const runDict = (dict: Manager.DictHandle, op: DictOp): Effect.Effect<Outcome> => {
  const k = op[1] as Manager.DictKey
  switch (op[0]) {
    case "len":
      return outcome(dict.len)
    case "keys":
      return outcome(dict.keys)
    case "values":
      return outcome(dict.values)
    case "items":
      return outcome(dict.items)
    case "popitem":
      return outcome(dict.popitem)
    case "clear":
      return outcome(dict.clear)
    case "copy":
      return outcome(Effect.map(dict.copy, (copy) => [...copy]))
    case "get":
      return outcome(op.length === 3 ? dict.get(k, op[2]) : dict.get(k))
    case "pop":
      return outcome(op.length === 3 ? dict.pop(k, op[2]) : dict.pop(k))
    case "getItem":
      return outcome(dict.getItem(k))
    case "delItem":
      return outcome(dict.delItem(k))
    case "has":
      return outcome(dict.has(k))
    case "setItem":
      return outcome(dict.setItem(k, op[2]))
    case "setdefault":
      return outcome(dict.setdefault(k, op[2]))
    case "update":
      return outcome(dict.update(op[1] as Manager.DictEntries<Manager.DictKey, unknown>))
  }
}

const dictModel = (map: Map<unknown, unknown>, op: DictOp): Outcome => {
  const k = op[1]
  if (op.length > 1 && op[0] !== "update" && !isKey(k)) return fail("ValueError")
  switch (op[0]) {
    case "len":
      return ok(map.size)
    case "keys":
      return ok([...map.keys()])
    case "values":
      return ok([...map.values()])
    case "items":
    case "copy":
      return ok([...map])
    case "popitem": {
      const last = [...map].at(-1)
      if (last === undefined) return fail("KeyError")
      map.delete(last[0])
      return ok(last)
    }
    case "clear":
      map.clear()
      return ok()
    case "get":
      return ok(map.has(k) ? map.get(k) : op[2])
    case "pop": {
      if (!map.has(k)) return op.length === 3 ? ok(op[2]) : fail("KeyError")
      const value = map.get(k)
      map.delete(k)
      return ok(value)
    }
    case "getItem":
      return map.has(k) ? ok(map.get(k)) : fail("KeyError")
    case "delItem":
      return map.delete(k) ? ok() : fail("KeyError")
    case "has":
      return ok(map.has(k))
    case "setItem":
      map.set(k, op[2])
      return ok()
    case "setdefault":
      if (!map.has(k)) map.set(k, op[2])
      return ok(map.get(k))
    case "update": {
      const source = op[1]
      // As Python's: the pairs before a bad one are in.
      for (const [key, value] of source instanceof Map || Array.isArray(source) ? source : Object.entries(source)) {
        if (!isKey(key)) return fail("ValueError")
        map.set(key, value)
      }
      return ok()
    }
  }
}

describe("dict (owner-local): a DictHandle behaves as a Python dict", () => {
  it.scoped.prop(
    "random operations give the model's results, errors and final contents, in insertion order",
    [fc.array(fc.tuple(goodKeys, fc.integer()), { maxLength: 4 }), fc.array(dictOp, { maxLength: 30 })],
    ([initial, ops]) =>
      Effect.gen(function*() {
        const dict = yield* Dict.make(initial)
        const model = new Map<unknown, unknown>(initial)
        for (const op of ops) {
          const got = yield* runDict(dict, op)
          expect(got, JSON.stringify(op, (_, v) => typeof v === "bigint" ? `${v}n` : v)).toEqual(dictModel(model, op))
        }
        expect(yield* dict.items).toEqual([...model])
      }),
    { fastCheck: { numRuns: 300 } }
  )

  it.scoped("KeyError carries the key; bad keys and entries are ValueErrors; 1, 1n and true are three keys", () =>
    Effect.gen(function*() {
      const dict = yield* Dict.make<Manager.DictKey, unknown>({ x: 1 })
      expect(yield* dict.getItem("nope").pipe(Effect.flip)).toMatchObject({ _tag: "KeyError", message: "'nope'" })
      expect(yield* dict.popitem).toEqual(["x", 1])
      expect(yield* dict.popitem.pipe(Effect.flip)).toMatchObject({ _tag: "KeyError", message: "popitem(): dictionary is empty" })
      const bad = yield* dict.setItem({} as never, 1).pipe(Effect.flip)
      expect(bad._tag).toBe("ValueError")
      expect(bad.message).toContain("keys are strings, numbers, bigints, booleans or null")
      expect(yield* dict.update([["a", 1, 2]] as never).pipe(Effect.flip)).toMatchObject({
        message: "dictionary update sequence element #0 has length 3; 2 is required"
      })
      yield* dict.update(new Map<Manager.DictKey, unknown>([[1, "number"], [1n, "bigint"], [true, "boolean"]]))
      expect(yield* dict.len).toBe(3)
      expect(yield* dict.get("missing")).toBe(undefined)
      expect(yield* dict.get("missing", null)).toBe(null)
      expect(yield* dict.setdefault("s")).toBe(undefined)
      expect(yield* dict.has("s")).toBe(true)
      expect([...(yield* dict.copy)]).toEqual([[1, "number"], [1n, "bigint"], [true, "boolean"], ["s", undefined]])
    }))
})

// ---------------------------------------------------------------------------
// Namespace

describe("Namespace (owner-local)", () => {
  it.scoped.prop(
    "random get, set, delete and has give a Map's results; a missing name is an AttributeError",
    [fc.array(fc.tuple(fc.constantFrom("get", "set", "delete", "has"), fc.constantFrom("a", "b", "__proto__", "constructor"), fc.integer()))],
    ([ops]) =>
      Effect.gen(function*() {
        const ns = yield* Namespace.make({ a: 0 })
        const model = new Map<string, unknown>([["a", 0]])
        for (const [op, name, value] of ops) {
          const got = yield* (op === "get"
            ? outcome(ns.get(name))
            : op === "set"
            ? outcome(ns.set(name, value))
            : op === "delete"
            ? outcome(ns.delete(name))
            : outcome(ns.has(name)))
          const expected = op === "has"
            ? ok(model.has(name))
            : op === "set"
            ? ok(void model.set(name, value))
            : !model.has(name)
            ? fail("AttributeError")
            : op === "get"
            ? ok(model.get(name))
            : ok(void model.delete(name))
          expect(got).toEqual(expected)
        }
        const object = yield* ns.toObject
        expect(Object.getPrototypeOf(object)).toBe(Object.prototype)
        expect(Object.entries(object)).toEqual([...model])
      })
  )

  it.scoped("its messages are Python's", () =>
    Effect.gen(function*() {
      const ns = yield* Namespace.make()
      expect(yield* ns.get("x").pipe(Effect.flip)).toMatchObject({
        _tag: "AttributeError",
        message: "'Namespace' object has no attribute 'x'"
      })
      expect(yield* ns.get(1 as never).pipe(Effect.flip)).toMatchObject({ _tag: "ValueError" })
    }))
})

// ---------------------------------------------------------------------------
// compat face in the owner

describe("compat proxies in the owner", () => {
  it.scoped("Promises, for await (a list's items, a dict's keys), and the library's error classes", () =>
    Effect.gen(function*() {
      const list = new compat.ListProxy(yield* List.make([3, 1, 2]))
      const dict = new compat.DictProxy(yield* Dict.make<string, number>([["b", 2], ["a", 1]]))
      const ns = new compat.NamespaceProxy(yield* Namespace.make())
      yield* Effect.promise(async () => {
        await list.sort()
        const items: Array<number> = []
        for await (const item of list) items.push(item)
        expect(items).toEqual([1, 2, 3])
        const keys: Array<string> = []
        for await (const key of dict) keys.push(key)
        expect(keys).toEqual(["b", "a"])
        await expect(dict.getItem("zz")).rejects.toBeInstanceOf(compat.KeyError)
        await expect(list.getItem(3)).rejects.toBeInstanceOf(compat.IndexError)
        await expect(ns.get("x")).rejects.toBeInstanceOf(compat.AttributeError)
        await ns.set("x", { deep: [1] })
        expect(await ns.toObject()).toEqual({ x: { deep: [1] } })
        expect(await dict.pop("zz", "none")).toBe("none")
      })
    }))
})

// ---------------------------------------------------------------------------
// across processes

describe("across processes", () => {
  it.scopedLive("an Effect-face child appends to a list and sets dict keys; the parent sees them, errors arrive typed", () =>
    Effect.gen(function*() {
      const list = yield* List.make<unknown>(["parent"])
      const dict = yield* Dict.make<string, unknown>()
      const tags = yield* Process.run({
        target: async (list: any, dict: any) => {
          const { Effect } = await import("effect")
          return Effect.gen(function*() {
            yield* list.append({ from: "child", n: 1n })
            yield* list.extend([1, 2])
            yield* dict.setItem("pid", process.pid)
            yield* dict.update({ a: [1, 2], b: new Map([[1, "one"]]) })
            const seen = yield* list.slice(0, 1)
            const missing = yield* dict.getItem("zz").pipe(Effect.flip)
            const outside = yield* list.getItem(99).pipe(Effect.flip)
            return [seen, missing._tag, missing.message, outside._tag]
          })
        },
        args: [list, dict]
      })
      expect(tags).toEqual([["parent"], "KeyError", "'zz'", "IndexError"])
      expect(yield* list.toArray).toEqual(["parent", { from: "child", n: 1n }, 1, 2])
      expect((yield* dict.keys)).toEqual(["pid", "a", "b"])
      expect(yield* dict.getItem("b")).toEqual(new Map([[1, "one"]]))
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.scopedLive("compat-face children share a list, a dict and a Namespace: for await, Promises, typed rejections", () =>
    Effect.gen(function*() {
      const list = yield* List.make<number>()
      const dict = yield* Dict.make<string, number>()
      const ns = yield* Namespace.make({ started: true })
      const children = [0, 1, 2].map((i) =>
        Process.run({
          target: async (list: any, dict: any, ns: any, i: number) => {
            for (let n = 0; n < 20; n++) await list.append(i * 100 + n)
            await dict.setItem(`child${i}`, i)
            await ns.set(`child${i}`, [i])
            const keys: Array<string> = []
            for await (const key of dict) keys.push(key)
            const error = await ns.get("nope").catch((e: any) => [e._tag, e instanceof Error])
            return [await ns.get("started"), keys.includes(`child${i}`), error]
          },
          args: [new compat.ListProxy(list), new compat.DictProxy(dict), new compat.NamespaceProxy(ns), i]
        })
      )
      const results = yield* Effect.all(children, { concurrency: "unbounded" })
      expect(results).toEqual([0, 1, 2].map(() => [true, true, ["AttributeError", true]]))
      const items = yield* list.toArray
      expect(items.length).toBe(60)
      for (const i of [0, 1, 2]) expect(items.filter((n) => Math.floor(n / 100) === i)).toEqual(Array.from({ length: 20 }, (_, n) => i * 100 + n))
      expect(Object.fromEntries(yield* dict.items)).toEqual({ child0: 0, child1: 1, child2: 2 })
      expect(yield* ns.toObject).toMatchObject({ started: true, child0: [0], child1: [1], child2: [2] })
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.scopedLive("a dict stored in a list comes out of it, in another process, as a live proxy of the same dict (in the face it went in with)", () =>
    Effect.gen(function*() {
      const dict = yield* Dict.make<string, number>()
      const list = yield* List.make<unknown>()
      yield* list.append(dict) // Effect face
      yield* list.append(new compat.DictProxy(dict)) // compat face
      // A child takes the dict out of the list, and puts the proxy it was given back in: it reaches the owner revived.
      yield* Process.run({
        target: async (list: any, dict: any) => {
          const { Effect } = await import("effect")
          return Effect.gen(function*() {
            const [first] = yield* list.slice(0, 1)
            yield* first.setItem("a", 1)
            yield* list.append(dict)
          })
        },
        args: [list, dict]
      })
      const stored = yield* list.getItem(2)
      expect(stored).toBeInstanceOf(Dict.DictHandle)
      expect((stored as DictModule.DictHandle)[primitive.PrimitiveTypeId].id).toBe(dict[primitive.PrimitiveTypeId].id)
      // Another child, compat face: the compat proxy stored comes out as one, the Effect handle as one.
      const kinds = yield* Process.run({
        target: async (list: any) => {
          const { Effect } = await import("effect")
          const compatDict = await list.getItem(1)
          await compatDict.setItem("b", 2)
          const effectDict = await list.getItem(2)
          await Effect.runPromise(effectDict.setItem("c", 3))
          const promise = compatDict.setItem("x", 0)
          const effect = effectDict.setItem("x", 0)
          await promise
          return [promise instanceof Promise, Effect.isEffect(effect)]
        },
        args: [new compat.ListProxy(list)]
      })
      expect(kinds).toEqual([true, true])
      expect(yield* dict.items).toEqual([["a", 1], ["b", 2], ["c", 3], ["x", 0]])
      // What Python's `l.remove(d)` and `l.count(d)` find: every proxy of the same dict is equal.
      expect(yield* list.count(dict)).toBe(3)
      expect(yield* list.index(dict, 1)).toBe(1)
      // The owner's own calls pass no codec: what it stored is what it gets back.
      expect(yield* list.getItem(0)).toBe(dict)
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))
})

describe("through a Manager's proxies, from another process", () => {
  it.live("random list and dict operations give the models' results, errors and final contents", () =>
    Effect.gen(function*() {
      const manager = yield* Manager.make()
      const lists = fc.constantFrom("numbers", "strings", "arrays", "mixed").chain((kind) => {
        const value = kind === "mixed" ? anyValue : values[kind as keyof typeof values]
        return fc.tuple(fc.array(value, { maxLength: 6 }), fc.array(listOp(value), { maxLength: 20 }))
      })
      const dicts = fc.tuple(fc.array(fc.tuple(goodKeys, fc.integer()), { maxLength: 4 }), fc.array(dictOp, { maxLength: 20 }))
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(lists, dicts, ([initialList, listOps], [initialDict, dictOps]) =>
            Effect.runPromise(Effect.gen(function*() {
              const list = (yield* manager.list(initialList)) as unknown as Manager.ListHandle
              const model = [...initialList]
              for (const op of listOps) expect(yield* runList(list, op)).toEqual(listModel(model, op))
              expect(yield* list.toArray).toEqual(model)
              const dict = (yield* manager.dict(initialDict)) as unknown as Manager.DictHandle
              const entries = new Map<unknown, unknown>(initialDict)
              for (const op of dictOps) expect(yield* runDict(dict, op)).toEqual(dictModel(entries, op))
              expect(yield* dict.items).toEqual([...entries])
            }))
          ),
          { numRuns: 40 }
        )
      )
    }).pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)), 120_000)
})
