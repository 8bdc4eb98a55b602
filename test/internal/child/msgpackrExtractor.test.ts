import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { Packr } from "msgpackr"
// msgpackr's own reader, whose string extractor the subject sets (this test's instance of it; its types omit setExtractor).
import * as unpack from "../../../node_modules/msgpackr/unpack.js"
import { extractLazily } from "../../../src/internal/child/msgpackrExtractor.js"

const { setExtractor, Unpackr } = unpack as typeof unpack & { readonly setExtractor: Parameters<typeof extractLazily>[0] }

const packr = new Packr({ useRecords: false })
const unpackr = new Unpackr({ useRecords: false })

describe("msgpackr's string extractor in a child from the start-up snapshot", () => {
  it.prop(
    "without the native addon, strings of every header size (str8, str16, str32) come back as they went, the addon looked for once",
    [fc.array(fc.string({ unit: "grapheme", minLength: 0, maxLength: 400 }), { minLength: 1, maxLength: 6 })],
    ([strings]) => {
      let lookups = 0
      extractLazily(setExtractor, () => {
        lookups++
        throw new Error("no msgpackr-extract here")
      })
      expect(lookups).toBe(0)
      const long = "é".repeat(40_000) // beyond 65535 bytes: a str32
      const value = { strings, long, padding: "x".repeat(200) }
      expect(unpackr.unpack(packr.pack(value))).toEqual(value)
      expect(lookups).toBe(1)
    },
    { fastCheck: { numRuns: 20 } }
  )

  it("MSGPACKR_NATIVE_ACCELERATION_DISABLED=true: no extractor is set, as msgpackr's entry would not", () => {
    const before = process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED
    process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED = "TRUE"
    try {
      let set = 0
      extractLazily(() => set++, () => ({ extractStrings: () => "" }))
      expect(set).toBe(0)
    } finally {
      if (before === undefined) delete process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED
      else process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED = before
    }
  })
})
