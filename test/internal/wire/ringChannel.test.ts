/**
 * The rings a thread pool's workers talk over (wire/ringChannel.ts), between
 * this thread and a real worker thread that echoes what it reads: bytes come
 * back whole and in order however the writes are cut, through rings small
 * enough that every run wraps around them and waits for room.
 */
import { Worker } from "node:worker_threads"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import { RingChannel } from "../../../dist/internal/wire/ringChannel.js"

const ringModule = new URL("../../../dist/internal/wire/ringChannel.js", import.meta.url).href

// Each message is a new pair of rings: echo what comes on it, then end when it ends.
const echo = `
  const { parentPort } = require("node:worker_threads")
  import(${JSON.stringify(ringModule)}).then(({ RingChannel }) => {
    parentPort.on("message", (setup) => {
      const channel = RingChannel.accept(setup)
      channel.on("data", (chunk) => channel.write(chunk))
      channel.on("end", () => channel.end())
      channel.resume()
    })
    parentPort.postMessage("ready")
  })
`

describe("ring channel", () => {
  let worker: Worker
  beforeAll(async () => {
    worker = new Worker(echo, { eval: true })
    await new Promise((resolve) => worker.once("message", resolve))
  })
  afterAll(() => worker.terminate())

  /** Writes `chunks` to a new pair of rings of `capacity` bytes, then ends; what came back once the thread ended. */
  const roundTrip = (chunks: ReadonlyArray<Uint8Array>, capacity: number) =>
    new Promise<Buffer>((resolve) => {
      const { channel, setup } = RingChannel.open(capacity)
      const received: Array<Buffer> = []
      channel.on("data", (chunk: Buffer) => received.push(chunk))
      channel.on("end", () => resolve(Buffer.concat(received)))
      channel.resume()
      worker.postMessage(setup)
      for (const chunk of chunks) channel.write(chunk)
      channel.end()
    })

  it.live.prop(
    "what is written comes back whole and in order, across wrap-arounds and full rings",
    [fc.array(fc.uint8Array({ minLength: 1, maxLength: 200 }), { minLength: 1, maxLength: 30 }), fc.constantFrom(16, 64, 256)],
    ([chunks, capacity]) =>
      Effect.promise(async () => {
        const back = await roundTrip(chunks, capacity)
        expect(back.equals(Buffer.concat(chunks))).toBe(true)
      }),
    { fastCheck: { numRuns: 40 } }
  )

  it("a write larger than the ring passes in pieces; its callback runs once all of it is in", async () => {
    const { channel, setup } = RingChannel.open(1024)
    const big = Buffer.alloc(100_000, 7)
    let written = false
    const back = new Promise<number>((resolve) => {
      let length = 0
      channel.on("data", (chunk: Buffer) => {
        length += chunk.byteLength
        if (length === big.byteLength) resolve(length)
      })
    })
    channel.resume()
    worker.postMessage(setup)
    expect(channel.write(big, () => (written = true))).toBe(false)
    expect(channel.writableLength).toBeGreaterThan(0)
    expect(await back).toBe(big.byteLength)
    expect(written).toBe(true)
    expect(channel.writableLength).toBe(0)
  })
})
