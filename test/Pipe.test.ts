import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import { Pipe } from "effect-multiprocessing"

describe("Pipe", () => {
  it.scopedLive("duplex: both ends send and receive, objects and bytes", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Pipe.make()
      yield* a.send([42, null, "hello"])
      expect(yield* b.recv).toEqual([42, null, "hello"])
      yield* b.sendBytes(Buffer.from("back"))
      expect(Buffer.from(yield* a.recvBytes()).toString()).toBe("back")
    }))

  it.scopedLive("duplex false gives a reader and a writer; each refuses the other direction; EOF once the writer closes", () =>
    Effect.gen(function*() {
      const [reader, writer] = yield* Pipe.make({ duplex: false })
      expect([reader.readable, reader.writable, writer.readable, writer.writable]).toEqual([true, false, false, true])
      expect(yield* reader.send("x").pipe(Effect.flip)).toMatchObject({ _tag: "OSError", message: "connection is read-only" })
      expect(yield* writer.recv.pipe(Effect.flip)).toMatchObject({ _tag: "OSError", message: "connection is write-only" })
      yield* writer.send("only message")
      yield* writer.close
      expect(yield* reader.recv).toBe("only message")
      expect((yield* reader.recv.pipe(Effect.flip))._tag).toBe("EOFError")
    }))

  it.scopedLive.prop(
    "values keep their order and boundaries",
    [fc.array(fc.anything({ withMap: true, withSet: true, withDate: true, withBigInt: true, withTypedArray: true }), { maxLength: 20 })],
    ([values]) =>
      Effect.gen(function*() {
        const [a, b] = yield* Pipe.make()
        yield* Effect.forEach(values, (v) => a.send(v))
        expect(yield* Effect.forEach(values, () => b.recv)).toEqual(values)
      }),
    { fastCheck: { numRuns: 20 } }
  )
})
