/**
 * A big item through a queue, through real processes: a child's put reaches the owner as one
 * frame filled in place (wire/framing.ts), is kept as it came, and reaches a consumer in another
 * child the same way — byte for byte.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as compat from "effect-multiprocessing/compat"
import { createHash } from "node:crypto"

const MIB = 1024 * 1024

/** Bytes that differ along the item (a shifted or truncated copy would show), and their digest. */
const patterned = (size: number, seed: number): Buffer => {
  const bytes = Buffer.alloc(size)
  for (let i = 0; i + 4 <= size; i += 4) bytes.writeUInt32LE(((i >>> 2) * 2654435761 + seed) >>> 0, i)
  return bytes
}
const digest = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

describe("a big item", () => {
  it.live("24 MiB from a child to the owner, and 24 MiB from the owner to a child and back: byte-exact, and small items around them in order", () =>
    Effect.promise(async () => {
      const q = new compat.Queue<unknown>()
      const back = new compat.Queue<unknown>()
      const size = 24 * MIB + 3
      const producer = new compat.Process({
        target: async (q: compat.Queue<unknown>, size: number) => {
          // As `patterned(size, 1)` makes them.
          const bytes = Buffer.alloc(size)
          for (let i = 0; i + 4 <= size; i += 4) bytes.writeUInt32LE(((i >>> 2) * 2654435761 + 1) >>> 0, i)
          await q.put("before")
          await q.put(bytes)
          await q.put("after")
        },
        args: [q, size]
      })
      producer.start()
      const expected = patterned(size, 1)
      expect(await q.get(true, 60)).toBe("before")
      const got = (await q.get(true, 60)) as Uint8Array
      expect(await q.get(true, 60)).toBe("after")
      expect(got.byteLength).toBe(size)
      expect(digest(got)).toBe(digest(expected))
      expect(await producer.join()).toBe(0)
      producer.close()

      // The owner's put, a consumer child's get (the reply reassembled there), and its put back.
      const echo = new compat.Process({
        target: async (q: compat.Queue<unknown>, back: compat.Queue<unknown>) => {
          for (let i = 0; i < 3; i++) await back.put(await q.get())
        },
        args: [q, back]
      })
      echo.start()
      const sent = patterned(size, 2)
      await q.put(1)
      await q.put(sent)
      await q.put(2)
      expect(await back.get(true, 60)).toBe(1)
      const returned = (await back.get(true, 60)) as Uint8Array
      expect(await back.get(true, 60)).toBe(2)
      expect(returned.byteLength).toBe(size)
      expect(digest(returned)).toBe(digest(sent))
      expect(await echo.join()).toBe(0)
      echo.close()
      q.dispose()
      back.dispose()
    }), 120_000)
})
