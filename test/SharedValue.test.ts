import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import { Lock, NodeMultiprocessing, Process, SharedValue } from "effect-multiprocessing"
import * as compat from "effect-multiprocessing/compat"

type Typecode = SharedValue.Typecode

const typecodes: ReadonlyArray<Typecode> = ["b", "B", "h", "H", "i", "I", "l", "L", "q", "Q", "f", "d", "c"]

/** The reference model: what ctypes reads back after storing `value` in a cell of `typecode`. */
const wrap = (typecode: Typecode, value: number | bigint | string): number | bigint | string => {
  const int = (bits: number, signed: boolean) => {
    const wrapped = (signed ? BigInt.asIntN : BigInt.asUintN)(bits, BigInt(value as number | bigint))
    return bits === 64 ? wrapped : Number(wrapped)
  }
  switch (typecode) {
    case "b":
    case "B":
      return int(8, typecode === "b")
    case "h":
    case "H":
      return int(16, typecode === "h")
    case "i":
    case "I":
      return int(32, typecode === "i")
    case "l":
    case "q":
      return int(64, true)
    case "L":
    case "Q":
      return int(64, false)
    case "f":
      return Math.fround(Number(value))
    case "d":
      return Number(value)
    case "c":
      return value
  }
}

const itemOf = (typecode: Typecode): fc.Arbitrary<number | bigint | string> => {
  switch (typecode) {
    case "f":
    case "d":
      return fc.oneof(fc.double(), fc.bigInt({ min: -(2n ** 60n), max: 2n ** 60n }))
    case "c":
      return fc.integer({ min: 0, max: 255 }).map((code) => String.fromCharCode(code))
    default:
      return fc.oneof(
        fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
        fc.maxSafeInteger(),
        fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n })
      )
  }
}

const typedItem = fc.constantFrom(...typecodes).chain((typecode) => itemOf(typecode).map((value) => ({ typecode, value })))

const zero = (typecode: Typecode) => (typecode === "c" ? "\0" : "lLqQ".includes(typecode) ? 0n : 0)

describe("SharedValue (Effect face)", () => {
  it.scoped("every typecode starts at zero and reads back its C type; wrong typecodes fail with ValueError", () =>
    Effect.gen(function*() {
      for (const typecode of typecodes) {
        const value = yield* SharedValue.makeValue(typecode)
        expect(value.typecode).toBe(typecode)
        expect(yield* value.get).toEqual(zero(typecode))
      }
      const error = yield* SharedValue.makeValue("x" as Typecode).pipe(Effect.flip)
      expect(error._tag).toBe("ValueError")
      expect(error.message).toBe("bad typecode 'x' (must be b, B, h, H, i, I, l, L, q, Q, f, d or c)")
    }))

  it.scoped("integers wrap around at their width, as ctypes'; bigints for l L q Q; floats at theirs", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [Typecode, number | bigint, number | bigint]> = [
        ["b", 128, -128],
        ["b", -129, 127],
        ["B", 256, 0],
        ["B", -1, 255],
        ["h", 32768, -32768],
        ["H", 65536, 0],
        ["i", 2 ** 31, -(2 ** 31)],
        ["i", 2n ** 32n + 5n, 5],
        ["I", -1, 4294967295],
        ["l", 2n ** 63n, -(2n ** 63n)],
        ["L", -1n, 2n ** 64n - 1n],
        ["q", 2 ** 53, 2n ** 53n],
        ["Q", 2n ** 64n, 0n],
        ["f", 0.1, Math.fround(0.1)],
        ["d", 0.1, 0.1],
        ["d", 3n, 3]
      ]
      for (const [typecode, set, read] of cases) {
        const value = yield* SharedValue.makeRawValue(typecode, set)
        expect(yield* value.get, `${typecode} ${set}`).toBe(read)
      }
      const q = yield* SharedValue.makeValue("q", 0n)
      yield* q.set(-(2n ** 63n) - 1n)
      const big: bigint = yield* q.get
      expect(big).toBe(2n ** 63n - 1n)
    }))

  it.scoped("wrong values fail with ValueError: a fraction for an integer, a string for a number, not one byte for 'c'", () =>
    Effect.gen(function*() {
      const i = yield* SharedValue.makeValue("i", 1)
      for (const bad of [1.5, Infinity, "1" as unknown as number]) {
        expect((yield* i.set(bad).pipe(Effect.flip))._tag).toBe("ValueError")
      }
      expect(yield* i.get).toBe(1)
      const c = yield* SharedValue.makeValue("c", "é") // U+00E9: one byte, as latin-1
      expect(yield* c.get).toBe("é")
      for (const bad of ["ab", "", "€", 65 as unknown as string]) {
        expect((yield* c.set(bad).pipe(Effect.flip))._tag).toBe("ValueError")
      }
      expect((yield* SharedValue.makeValue("i", 0.5).pipe(Effect.flip))._tag).toBe("ValueError")
      expect((yield* SharedValue.makeArray("i", -1).pipe(Effect.flip))._tag).toBe("ValueError")
      expect((yield* SharedValue.makeArray("i", 2.5).pipe(Effect.flip))._tag).toBe("ValueError")
      expect((yield* SharedValue.makeArray("i", "abc" as never).pipe(Effect.flip))._tag).toBe("ValueError")
    }))

  it.scoped("Arrays index and slice as Python's: negative from the end, IndexError outside, slices clamp, same-size assignment", () =>
    Effect.gen(function*() {
      const a = yield* SharedValue.makeArray("i", [1, 2, 3, 4, 5])
      expect(a.length).toBe(5)
      expect(yield* a.getItem(-1)).toBe(5)
      for (const index of [5, -6]) {
        const error = yield* a.getItem(index).pipe(Effect.flip)
        expect(error).toMatchObject({ _tag: "IndexError", message: "array index out of range" })
        expect((yield* a.setItem(index, 0).pipe(Effect.flip))._tag).toBe("IndexError")
      }
      yield* a.setItem(-2, 40)
      expect(yield* a.getSlice(1, -1)).toEqual([2, 3, 40])
      expect(yield* a.getSlice()).toEqual([1, 2, 3, 40, 5])
      expect(yield* a.getSlice(-100, 100)).toEqual([1, 2, 3, 40, 5])
      expect(yield* a.getSlice(3, 1)).toEqual([])
      yield* a.setSlice(1, 3, [7, 2 ** 32 + 8])
      expect(yield* a.toArray).toEqual([1, 7, 8, 40, 5])
      const error = yield* a.setSlice(1, 3, [1]).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "ValueError", message: "Can only assign sequence of same size" })
      yield* a.setSlice(4, 2, [])
      expect(yield* a.toArray).toEqual([1, 7, 8, 40, 5])

      const q = yield* SharedValue.makeRawArray("q", 3)
      expect(yield* q.toArray).toEqual([0n, 0n, 0n])
      const chars = yield* SharedValue.makeArray("c", "hello")
      expect(yield* chars.getSlice(1, 3)).toEqual(["e", "l"])
      yield* chars.setSlice(0, 2, "HE")
      expect((yield* chars.toArray).join("")).toBe("HEllo")
    }))

  it.scoped("a Value has an RLock by default, withLock holds it; Raw ones and lock: false have none; a given Lock is used", () =>
    Effect.gen(function*() {
      const v = yield* SharedValue.makeValue("i", 0)
      const lock = yield* v.getLock
      expect(lock.kind).toBe("RLock")
      expect(v.lock).toBe(lock)
      expect(v.getObj()).toBe(v)
      const inside = yield* v.withLock(v.withLock(lock.getValue)) // re-entrant
      expect(inside).toBe(0)
      expect(yield* lock.getValue).toBe(1)

      for (const raw of [yield* SharedValue.makeRawValue("d"), yield* SharedValue.makeArray("d", 2, { lock: false })]) {
        expect(raw.lock).toBeUndefined()
        expect((yield* raw.getLock.pipe(Effect.flip))._tag).toBe("ValueError")
        expect((yield* raw.withLock(Effect.void).pipe(Effect.flip))._tag).toBe("ValueError")
      }

      const mine = yield* Lock.make()
      const guarded = yield* SharedValue.makeArray("B", 4, { lock: mine })
      expect(yield* guarded.getLock).toBe(mine)
      const bad = yield* SharedValue.makeValue("i", 0, { lock: {} as Lock.Lock }).pipe(Effect.flip)
      expect(bad._tag).toBe("ValueError")
    }))

  it.scoped.prop("set then get gives the reference model's wrap-around, for every typecode", [typedItem], ([{ typecode, value }]) =>
    Effect.gen(function*() {
      const v = yield* SharedValue.makeValue(typecode, value as never)
      expect(yield* v.get).toEqual(wrap(typecode, value))
      yield* v.set(value as never)
      expect(yield* v.get).toEqual(wrap(typecode, value))
    }), { fastCheck: { numRuns: 300 } })

  it.scoped.prop(
    "slices read and write as JavaScript's slice (Python's, for step 1)",
    [
      fc.array(fc.integer({ min: -128, max: 127 }), { maxLength: 12 }),
      fc.option(fc.integer({ min: -15, max: 15 })),
      fc.option(fc.integer({ min: -15, max: 15 }))
    ],
    ([items, start, stop]) =>
      Effect.gen(function*() {
        const a = yield* SharedValue.makeRawArray("b", items)
        const expected = items.slice(start ?? undefined, stop ?? undefined)
        expect(yield* a.getSlice(start, stop)).toEqual(expected)
        const doubled = expected.map((n) => n * 2)
        yield* a.setSlice(start, stop, doubled)
        const model = [...items]
        const from = items.slice(0, start ?? 0).length // Python's normalized start
        model.splice(from, expected.length, ...doubled.map((n) => wrap("b", n) as number))
        expect(yield* a.toArray).toEqual(model)
      }),
    { fastCheck: { numRuns: 200 } }
  )
})

describe("sharedctypes (compat face)", () => {
  it("Value, RawValue: Promise get and set, wrap-around, typecode, getObj; bad input throws ValueError at once", async () => {
    using v = compat.Value("i", 7)
    expect(v.typecode).toBe("i")
    expect(await v.get()).toBe(7)
    await v.set(2 ** 31)
    expect(await v.get()).toBe(-(2 ** 31))
    expect(v.getObj()).toBe(v)
    await expect(v.set(1.5)).rejects.toBeInstanceOf(compat.ValueError)
    using q = compat.RawValue("Q", -1)
    expect(await q.get()).toBe(2n ** 64n - 1n)
    expect(() => compat.Value("z" as Typecode)).toThrow(compat.ValueError)
    expect(() => compat.Array("i", -1)).toThrow(compat.ValueError)
    expect(() => compat.Value("i", 0, { lock: {} as compat.Lock })).toThrow(compat.ValueError)
  })

  it("Array, RawArray: length, items, slices, Python's errors", async () => {
    using a = compat.Array("d", 3)
    expect(a.length).toBe(3)
    expect(await a.toArray()).toEqual([0, 0, 0])
    await a.setItem(-1, 2.5)
    expect(await a.getItem(2)).toBe(2.5)
    await expect(a.getItem(3)).rejects.toBeInstanceOf(compat.IndexError)
    await expect(a.setSlice(0, 2, [1])).rejects.toThrow("Can only assign sequence of same size")
    await a.setSlice(null, 2, [1, 2])
    expect(await a.getSlice(-3)).toEqual([1, 2, 2.5])
    using chars = compat.RawArray("c", "abc")
    expect((await chars.toArray()).join("")).toBe("abc")
  })

  it("getLock gives the compat RLock (or the lock given); withLock holds it; Raw ones reject with ValueError", async () => {
    using v = compat.Value("i", 0)
    const lock = await v.getLock()
    expect(lock).toBeInstanceOf(compat.RLock)
    expect(await v.getLock()).toBe(lock)
    expect(await v.withLock(async () => v.withLock(() => lock.getValue()))).toBe(0)
    expect(await lock.getValue()).toBe(1)

    const mine = new compat.Lock()
    using guarded = compat.Array("i", 2, { lock: mine })
    expect(await guarded.getLock()).toBe(mine)
    mine.close()
    using raw = compat.Value("i", 0, { lock: false })
    await expect(raw.getLock()).rejects.toBeInstanceOf(compat.ValueError)
    using rawArray = compat.RawArray("i", 1)
    await expect(rawArray.withLock(() => 1)).rejects.toBeInstanceOf(compat.ValueError)
  })

  it.effect.prop("set then get gives the reference model's wrap-around, for every typecode", [typedItem], ([{ typecode, value }]) =>
    Effect.promise(async () => {
      using v = compat.RawValue(typecode, value as never)
      expect(await v.get()).toEqual(wrap(typecode, value))
      await v.set(value as never)
      expect(await v.get()).toEqual(wrap(typecode, value))
    }), { fastCheck: { numRuns: 100 } })
})

describe("across processes", () => {
  it("3 children × 200 increments of a Value('i') under its lock add up exactly", async () => {
    using counter = compat.Value("i", 0) // closed at the end: nothing left served, the server closes
    const children = [0, 1, 2].map(() =>
      new compat.Process({
        target: async (v: compat.SharedValue<"i">, times: number) => {
          for (let i = 0; i < times; i++) await v.withLock(async () => v.set((await v.get()) + 1))
        },
        args: [counter, 200]
      })
    )
    children.forEach((child) => child.start())
    for (const child of children) expect(await child.join()).toBe(0)
    expect(await counter.get()).toBe(600)
  })

  it.scopedLive("an Array('q') and a RawValue('c') reach an Effect-face child: items, slices, bigints, its lock", () =>
    Effect.gen(function*() {
      const a = yield* SharedValue.makeArray("q", [1n, 2n, 3n])
      const c = yield* SharedValue.makeRawValue("c", "x")
      const p = yield* Process.start({
        target: async (a: SharedValue.SharedArray<"q">, c: SharedValue.SharedValue<"c">) => {
          const { Effect } = await import("effect")
          return Effect.gen(function*() {
            const items = yield* a.getSlice(-2)
            yield* a.withLock(a.setSlice(-2, null, items.map((n) => n * 2n ** 40n)))
            const missing = yield* a.getItem(3).pipe(Effect.flip)
            yield* c.set("y")
            return [a.length, a.typecode, (yield* a.getLock).kind, missing._tag, (yield* c.getLock.pipe(Effect.flip))._tag]
          })
        },
        args: [a, c]
      })
      expect(yield* p.result).toEqual([3, "q", "RLock", "IndexError", "ValueError"])
      expect(yield* a.toArray).toEqual([1n, 2n * 2n ** 40n, 3n * 2n ** 40n])
      expect(yield* c.get).toBe("y")
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))
})
