import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, FastCheck as fc, Schema } from "effect"
import { NodeMultiprocessing, Process, Serializer } from "effect-multiprocessing"

/** Values structured clone carries, as fast-check arbitraries. */
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.bigInt(),
    fc.date({ noInvalidDate: true }),
    fc.uint8Array(),
    fc.float64Array(),
    fc.int32Array(),
    fc.constantFrom(/a+b/gi, /x/)
  ),
  node: fc.oneof(
    { depthSize: "small" },
    tie("leaf"),
    fc.array(tie("node"), { maxLength: 5 }),
    fc.dictionary(fc.string(), tie("node"), { maxKeys: 5 }),
    fc.array(fc.tuple(tie("leaf"), tie("node")), { maxLength: 4 }).map((entries) => new Map(entries)),
    fc.array(tie("leaf"), { maxLength: 5 }).map((items) => new Set(items))
  )
})).node

const roundTrip = (v: unknown) =>
  Either.getOrThrow(Either.flatMap(Serializer.unknown.encode(v), Serializer.unknown.decode))

describe("Serializer.unknown", () => {
  it.prop("round-trips anything structured clone carries", [value], ([v]) => {
    expect(roundTrip(v)).toEqual(v)
  })

  it("keeps cycles, shared references, Errors, -0, NaN, sparse arrays and null prototypes' data", () => {
    const cyclic: Record<string, unknown> = { name: "root" }
    cyclic.self = cyclic
    const back = roundTrip(cyclic) as Record<string, unknown>
    expect(back.self).toBe(back)

    const error = roundTrip(new TypeError("bad type")) as TypeError
    expect(error).toBeInstanceOf(TypeError)
    expect(error.message).toBe("bad type")
    expect(error.stack).toContain("Serializer.test")

    expect(Object.is(roundTrip(-0), -0)).toBe(true)
    expect(roundTrip(NaN)).toBeNaN()
    expect(roundTrip([1, , 3])).toEqual([1, , 3])
    expect(roundTrip({ a: undefined })).toHaveProperty("a", undefined)
    expect(roundTrip(2n ** 100n)).toBe(2n ** 100n)
  })

  it("fails with SerializationError naming the problem, for functions and symbols", () => {
    for (const bad of [() => 1, Symbol("s"), { nested: { f: () => 1 } }]) {
      const result = Serializer.unknown.encode(bad)
      expect(Either.isLeft(result) && result.left._tag).toBe("SerializationError")
      expect(Either.isLeft(result) && result.left.message).toContain("cannot serialize")
    }
    const garbage = Serializer.unknown.decode(new Uint8Array([0xff, 0x0f, 0x63]))
    expect(Either.isLeft(garbage) && garbage.left._tag).toBe("SerializationError")
  })
})

class Point extends Schema.Class<Point>("Point")({ x: Schema.Number, y: Schema.Number, at: Schema.Date }) {
  get norm() {
    return Math.hypot(this.x, this.y)
  }
}

describe("Serializer.schema", () => {
  const points = Serializer.schema(Point)

  it.prop("gives back Schema.Class instances", [fc.double({ noNaN: true }), fc.double({ noNaN: true }), fc.date({ noInvalidDate: true })], ([x, y, at]) => {
    const back = Either.getOrThrow(Either.flatMap(points.encode(new Point({ x, y, at })), points.decode))
    expect(back).toBeInstanceOf(Point)
    expect(back).toEqual(new Point({ x, y, at }))
  })

  it("fails with a ParseError that says what is wrong", () => {
    const bytes = Either.getOrThrow(Serializer.unknown.encode({ x: 1, y: "two", at: new Date(0).toISOString() }))
    const result = points.decode(bytes)
    expect(Either.isLeft(result) && result.left._tag).toBe("ParseError")
    expect(Either.isLeft(result) && result.left.message).toContain("y")
  })
})

describe("values crossing into a child process", () => {
  it.live.prop(
    "arrive intact in a child, which sends back what it received and how it saw it",
    [fc.array(value, { maxLength: 8 })],
    ([values]) =>
      Effect.gen(function*() {
        const echoed = yield* Process.run({
          target: (received: Array<unknown>) => ({ received, types: received.map((v) => Object.prototype.toString.call(v)) }),
          args: [values]
        })
        expect(echoed.received).toEqual(values)
        expect(echoed.types).toEqual(values.map((v) => Object.prototype.toString.call(v)))
      }).pipe(Effect.provide(NodeMultiprocessing.layer)),
    { fastCheck: { numRuns: 12 } }
  )

  it.live("Map, Set, BigInt, Date and typed arrays are real instances in the child", () =>
    Effect.gen(function*() {
      const described = yield* Process.run({
        target: (m: Map<string, Set<bigint>>, d: Date, a: Float64Array) => ({
          mapType: m.constructor.name,
          setSize: m.get("k")!.size,
          year: d.getUTCFullYear(),
          sum: a.reduce((x, y) => x + y, 0)
        }),
        args: [new Map([["k", new Set([1n, 2n])]]), new Date(Date.UTC(2020, 0, 1)), new Float64Array([1.5, 2.5])]
      })
      expect(described).toEqual({ mapType: "Map", setSize: 2, year: 2020, sum: 4 })
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))
})
