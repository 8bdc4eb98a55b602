import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { decode, encode, encodeLean, encodeParts } from "../../../src/internal/codec/codec.js"
import { FrameDecoder, frame, header } from "../../../src/internal/wire/framing.js"

const json = fc.jsonValue().filter((v) => !Object.is(v, -0))
const anything = fc.anything({
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withTypedArray: true,
  withNullPrototype: false,
  withObjectString: false,
  withBoxedValues: false,
  withSparseArray: true
})

describe("internal codec", () => {
  it.prop("plain data round-trips through both encoders", [json], ([value]) => {
    expect(decode(encode(value))).toEqual(value)
    expect(decode(encodeLean(value))).toEqual(value)
  })

  it.prop("anything structured clone carries round-trips through both encoders", [anything], ([value]) => {
    expect(decode(encode(value))).toEqual(value)
    expect(decode(encodeLean(value))).toEqual(value)
  })

  it("tells the formats apart by their first byte, including numbers that look like tags", () => {
    for (const value of [-1, 74, 0x4a, 255, -0, NaN, Infinity, 2 ** 60, "J", "\xff", [-1], { "-1": -1 }]) {
      expect(decode(encode(value))).toEqual(value)
      expect(decode(encodeLean(value))).toEqual(value)
    }
    expect(encodeLean({ a: 1 })[0]).toBe(0x4a) // JSON: no msgpackr to load in a fresh child
    expect(encode(new Map())[0]).toBe(0xff) // V8
    expect([0x4a, 0xff]).not.toContain(encode({ a: 1 })[0]) // bare MessagePack
  })

  it("objects with __proto__ or toJSON keys keep them as own data", () => {
    const tricky = JSON.parse('{"__proto__": {"polluted": true}, "toJSON": "no"}')
    const back = decode(encode(tricky)) as Record<string, unknown>
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype)
    expect(Object.getOwnPropertyNames(back).sort()).toEqual(["__proto__", "toJSON"])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  /** One level of nesting: where the next value sits, and how the error names that place. */
  type Step =
    | { readonly kind: "key"; readonly key: string }
    | { readonly kind: "index"; readonly index: number }
    | { readonly kind: "map"; readonly key: string }
    | { readonly kind: "set" }
    | { readonly kind: "field"; readonly key: string }
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ kind: fc.constant("key" as const), key: fc.string().filter((k) => k !== "__proto__") }),
    fc.record({ kind: fc.constant("index" as const), index: fc.nat({ max: 4 }) }),
    fc.record({ kind: fc.constant("map" as const), key: fc.string() }),
    fc.record({ kind: fc.constant("set" as const) }),
    fc.record({ kind: fc.constant("field" as const), key: fc.constantFrom("a", "b", "the c") })
  )
  class Holder {
    constructor(readonly sibling: number) {}
  }
  const wrap = (inner: unknown, { kind, ...at }: Step): unknown => {
    switch (kind) {
      case "key":
        return Object.defineProperty({ before: 1 }, (at as { key: string }).key, { value: inner, enumerable: true })
      case "index":
        return [...Array.from({ length: (at as { index: number }).index }, (_, i) => i), inner, "after"]
      case "map":
        return new Map<unknown, unknown>([[1, "before"], [(at as { key: string }).key, inner]])
      case "set":
        return new Set([1, inner])
      case "field":
        return Object.assign(new Holder(1), { [(at as { key: string }).key]: inner })
    }
  }
  const name = (at: Step): string => {
    const key = (k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`)
    switch (at.kind) {
      case "key":
      case "field":
        return key(at.key)
      case "index":
        return `[${at.index}]`
      case "map":
        return `.get(${JSON.stringify(at.key)})`
      case "set":
        return ".values()"
    }
  }

  it.prop(
    "a function, anywhere V8 would copy it, is refused with its place named — through both encoders",
    [fc.array(step, { maxLength: 6 })],
    ([steps]) => {
      const value = steps.reduceRight<unknown>((inner, at) => wrap(inner, at), function culprit() {})
      const where = steps.length === 0 ? "" : ` (at value${steps.map(name).join("")})`
      for (const encoder of [encode, encodeLean]) {
        expect(() => encoder(value)).toThrow(`the function culprit${where} is not data: `)
      }
    }
  )
})

describe("internal codec in parts", () => {
  // A message holding large binary data (a queue's batch) is written from where that data is.
  it.prop(
    "the parts, joined, are encode's bytes; binary data of a MiB or more is a part of its own, not a copy",
    [anything, fc.array(fc.integer({ min: 0, max: 3 * 1024 * 1024 }), { maxLength: 3 }), fc.boolean()],
    ([other, sizes, asBuffer]) => {
      const binaries = sizes.map((size, i) => asBuffer ? Buffer.alloc(size, i + 1) : new Uint8Array(size).fill(i + 1))
      const value = ["post", 1, binaries, other, binaries.map((binary) => binary.subarray(1, 9))]
      const parts = encodeParts(value)
      const joined = Buffer.concat(parts)
      expect(joined.equals(encode(value))).toBe(true)
      const back = decode(joined) as [string, number, Array<Uint8Array>]
      expect(back[2].every((binary, i) => Buffer.from(binary.buffer, binary.byteOffset, binary.byteLength).equals(binaries[i]))).toBe(true)
      for (const binary of binaries) {
        expect(parts.some((part) => part.buffer === binary.buffer)).toBe(binary.byteLength >= 1024 * 1024)
      }
    },
    { fastCheck: { numRuns: 40 } }
  )
})

describe("internal framing", () => {
  it.prop(
    "frames survive any chunking of the stream",
    [fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }), fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1 })],
    ([payloads, cuts]) => {
      const stream = Buffer.concat(payloads.map(frame))
      const decoder = new FrameDecoder()
      const received: Array<Buffer> = []
      for (let offset = 0, i = 0; offset < stream.length; i++) {
        const size = cuts[i % cuts.length]
        received.push(...decoder.push(stream.subarray(offset, offset + size)))
        offset += size
      }
      expect(received.map((b) => [...b])).toEqual(payloads.map((p) => [...p]))
      expect(decoder.pending).toBe(0)
    }
  )

  // A frame of a MiB or more that spans chunks is filled in place as they come; small frames around it still frame.
  it.prop(
    "large frames among small ones survive any chunking, and what is left unread can be taken back",
    [
      fc.array(fc.oneof(fc.uint8Array({ maxLength: 50 }), fc.integer({ min: 1024 * 1024, max: 3 * 1024 * 1024 })), { minLength: 1, maxLength: 5 }),
      fc.array(fc.integer({ min: 1, max: 600_000 }), { minLength: 1, maxLength: 8 }),
      fc.double({ min: 0, max: 1, noNaN: true })
    ],
    ([shapes, cuts, stopAt]) => {
      const payloads = shapes.map((shape, i) => typeof shape === "number" ? Buffer.alloc(shape, i + 1).fill(i + 7, shape >> 1) : Buffer.from(shape))
      const stream = Buffer.concat(payloads.map(frame))
      const decoder = new FrameDecoder()
      const received: Array<Buffer> = []
      const stop = Math.floor(stream.length * stopAt)
      let offset = 0
      for (let i = 0; offset < stop; i++) {
        const size = Math.min(cuts[i % cuts.length], stop - offset)
        received.push(...decoder.push(stream.subarray(offset, offset + size)))
        offset += size
      }
      // What was received, then what the decoder held back, then the rest: the stream, byte for byte.
      const frames = Buffer.concat(received.map((payload) => frame(payload)))
      expect(decoder.pending).toBe(stop - frames.length)
      const rest = decoder.takeRest()
      expect(Buffer.concat([frames, rest, stream.subarray(stop)]).equals(stream)).toBe(true)
      expect(received.every((payload, i) => payload.equals(payloads[i]))).toBe(true)
    },
    { fastCheck: { numRuns: 30 } }
  )

  it("uses CPython's header: 4-byte big-endian length, or -1 and an 8-byte length past 2 GiB - 1", () => {
    expect([...header(5)]).toEqual([0, 0, 0, 5])
    expect([...header(0x7fffffff)]).toEqual([0x7f, 0xff, 0xff, 0xff])
    expect([...header(0x80000000)]).toEqual([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0x80, 0, 0, 0])
  })
})
