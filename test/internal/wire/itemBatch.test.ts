import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { pack, unpack } from "../../../src/internal/wire/itemBatch.js"

describe("queue item batches", () => {
  it.prop("unpack gives back what pack was given, any slice of it", [
    fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 40 }),
    fc.nat(),
    fc.nat()
  ], ([items, a, b]) => {
    const from = items.length === 0 ? 0 : a % items.length
    const to = from + (items.length === 0 ? 0 : b % (items.length - from + 1))
    const got = unpack(pack(items, from, to))
    expect(got.map((item) => [...item])).toEqual(items.slice(from, to).map((item) => [...item]))
  })

  it("a batch cut short or with stray bytes is refused, not misread", () => {
    const batch = pack([new Uint8Array([1, 2, 3]), new Uint8Array([4])])
    expect(() => unpack(batch.subarray(0, batch.length - 1))).toThrow(/cut short/)
    expect(() => unpack(Buffer.concat([batch, Buffer.from([0, 0])]))).toThrow(/stray bytes/)
  })
})
