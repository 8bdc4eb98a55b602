/**
 * Waiting for a reply in the kernel (src/internal/wire/kernelWait.ts): the policy that decides
 * whether to wait so, and receives through real processes that use it. The vitest project "served"
 * runs this file again with the addon disabled, where receives wait in the event loop: the same round
 * trips must hold there. The addon's wait itself: test/internal/native/waitReadable.test.ts.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Exit, FastCheck as fc, Fiber } from "effect"
import { Pipe as EffectPipe } from "effect-multiprocessing"
import { type Connection, Pipe, Process } from "effect-multiprocessing/compat"
import type * as KernelWaitModule from "../../../src/internal/wire/kernelWait.js"

const dist = (file: string) => new URL(`../../../dist/${file}`, import.meta.url).href
const { ReplyReader, WaitPolicy }: typeof KernelWaitModule = await import(dist("internal/wire/kernelWait.js"))

describe("WaitPolicy", () => {
  /** Runs waits through a policy, each that waits ending as `ending` says; gives how many waited. */
  const waitsOver = (policy: KernelWaitModule.WaitPolicy, waits: number, ending: (wait: number) => KernelWaitModule.Ended) => {
    let waited = 0
    for (let i = 0; i < waits; i++) {
      if (policy.shouldWait()) policy.ended(ending(waited++))
    }
    return waited
  }

  it("waits every time while replies come within the cap, or the loop's work ends the waits", () => {
    expect(waitsOver(new WaitPolicy(), 1000, () => "readable")).toBe(1000)
    expect(waitsOver(new WaitPolicy(), 1000, () => "loop")).toBe(1000)
  })

  it("while waits reach their cap, most receives wait in the loop (up to 63 in a row), and one reply in time ends that", () => {
    const policy = new WaitPolicy()
    const waited = waitsOver(policy, 10_000, () => "cap")
    expect(waited).toBeLessThan(10_000 / 32)
    expect(waited).toBeGreaterThanOrEqual(10_000 / 64)
    waitsOver(policy, 64, () => "readable") // waits out the current run, then one reply in time
    expect(waitsOver(policy, 1000, () => "readable")).toBe(1000)
  })

  it.prop(
    "a slow reply now and then costs only the waits right after it",
    [fc.integer({ min: 2, max: 6 })],
    ([period]) => {
      const waited = waitsOver(new WaitPolicy(), 10_000, (wait) => wait % period === 0 ? "cap" : "readable")
      expect(waited).toBeGreaterThanOrEqual(Math.floor(10_000 * period / (period + 1)) - 1)
    }
  )
})

/**
 * A child that echoes each message after the delay its first byte asks for (in milliseconds), so
 * that replies come both within a kernel wait and after it gave up; an empty message ends it.
 */
const echoWithDelays = async (conn: Connection<unknown>) => {
  const { setTimeout: sleep } = await import("node:timers/promises")
  for (;;) {
    const message = await conn.recvBytes()
    if (message.length > 0 && message[0] > 0) await sleep(message[0])
    await conn.sendBytes(message)
    if (message.length === 0) return
  }
}

describe("round trips through a real process", () => {
  let parentEnd: Connection<unknown> | undefined
  let child: Process | undefined
  const echo = async () => {
    if (parentEnd === undefined) {
      const [here, there] = await Pipe()
      child = new Process({ target: echoWithDelays, args: [there] })
      child.start()
      there.close()
      parentEnd = here
    }
    return parentEnd
  }
  afterAll(async () => {
    if (parentEnd === undefined) return
    await parentEnd.sendBytes(new Uint8Array(0))
    expect((await parentEnd.recvBytes()).length).toBe(0)
    parentEnd.close()
    expect(await child!.join()).toBe(0)
    child!.close()
  })

  it("every reply is the message sent, whatever its size (up to 300 KB: several reads) and however late it comes", async () => {
    const conn = await echo()
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ size: fc.integer({ min: 1, max: 300_000 }), delayMs: fc.constantFrom(0, 0, 0, 1, 3), seed: fc.integer({ min: 0, max: 255 }) }),
          { minLength: 1, maxLength: 40 }
        ),
        async (messages) => {
          for (const { delayMs, seed, size } of messages) {
            const message = new Uint8Array(size)
            for (let i = 0; i < size; i++) message[i] = (seed + i * 7) & 255
            message[0] = delayMs
            await conn.sendBytes(message)
            expect(Buffer.from(await conn.recvBytes()).equals(Buffer.from(message))).toBe(true)
          }
        }
      ),
      { numRuns: 8 }
    )
  })

  it("frames at the edges of what one read takes whole (a 64 KiB scratch buffer: header and body in one read up to 65 532 bytes)", async () => {
    const conn = await echo()
    for (const size of [1, 3, 4, 5, 65_531, 65_532, 65_533, 65_536, 65_540, 131_072]) {
      const message = new Uint8Array(size)
      for (let i = 0; i < size; i++) message[i] = (size + i * 13) & 255
      message[0] = 0 // no delay
      await conn.sendBytes(message)
      expect(Buffer.from(await conn.recvBytes()).equals(Buffer.from(message))).toBe(true)
    }
  })

  it("many small round trips in a row, and the process still runs its timers meanwhile", async () => {
    const conn = await echo()
    let ticks = 0
    const ticker = setInterval(() => ticks++, 1)
    try {
      const message = new Uint8Array(16).fill(0)
      for (let i = 0; i < 3000; i++) {
        message[1] = i & 255
        await conn.sendBytes(message)
        const reply = await conn.recvBytes()
        expect(reply[1]).toBe(i & 255)
      }
      const before = ticks
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(ticks).toBeGreaterThan(before)
    } finally {
      clearInterval(ticker)
    }
  })
})

describe("a receive that waits for a reply that does not come", () => {
  it.scopedLive("times out, and is interrupted, as any receive: nothing it was waiting for is lost", () =>
    Effect.gen(function*() {
      const [a, b] = yield* EffectPipe.make()
      // Right after a send: the receive waits for the reply (in the kernel first, where the addon is built).
      yield* a.sendBytes(Buffer.from("ping"))
      const timedOut = yield* a.recvBytes().pipe(Effect.timeout("50 millis"), Effect.flip)
      expect(timedOut._tag).toBe("TimeoutException")

      yield* a.sendBytes(Buffer.from("ping again"))
      const waiting = yield* Effect.fork(a.recvBytes())
      yield* Effect.sleep("20 millis")
      expect(Exit.isInterrupted(yield* Fiber.interrupt(waiting))).toBe(true)

      expect(Buffer.from(yield* b.recvBytes()).toString()).toBe("ping")
      expect(Buffer.from(yield* b.recvBytes()).toString()).toBe("ping again")
      yield* b.sendBytes(Buffer.from("pong"))
      expect(Buffer.from(yield* a.recvBytes()).toString()).toBe("pong")
    }))

  it("in the compat face: poll gives false when its timeout runs out; a reply this process's own timer sends is received", async () => {
    const [a, b] = await Pipe()
    try {
      await a.sendBytes(Buffer.from("ping"))
      expect(await a.poll(0.05)).toBe(false)
      expect(Buffer.from(await b.recvBytes()).toString()).toBe("ping")
      setTimeout(() => void b.sendBytes(Buffer.from("late")), 30)
      await a.sendBytes(Buffer.from("ping"))
      expect(Buffer.from(await a.recvBytes()).toString()).toBe("late")
    } finally {
      a.close()
      b.close()
    }
  })
})

/**
 * The pool's wait for the result of its only task in flight (`ReplyReader`): in the kernel where
 * the addon is built, a spin otherwise (the "served" project). A child process that echoes its
 * stdin plays the worker; its stdout, paused as the pool's channel is between reads, is what is read.
 */
describe("ReplyReader", () => {
  /** `got`: every chunk in order, the reader's and the stream's (which flows once the child exits). */
  const echoChild = (script: string) => {
    const child = spawn(process.execPath, ["-e", script], { stdio: ["pipe", "pipe", "inherit"] })
    const stdout = child.stdout!
    const got: Array<Buffer> = []
    stdout.pause()
    stdout.on("data", (chunk: Buffer) => got.push(chunk))
    const end = once(stdout, "end")
    const received = (chunk: Buffer) => got.push(chunk)
    return { child, stdout, got, received, end }
  }
  const stop = async (child: ChildProcess) => {
    child.kill("SIGKILL")
    if (child.exitCode === null && child.signalCode === null) await once(child, "exit")
  }

  it("every byte the peer sends arrives once and in order, read by the reader or left for the stream", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 5000 }), { minLength: 1, maxLength: 30 }),
        async (messages) => {
          const { child, end, got, received, stdout } = echoChild("process.stdout.write('up'); process.stdin.pipe(process.stdout)")
          try {
            // Once the child is up (its first bytes came), its echoes mostly come within a wait. The
            // stream is paused again, and nothing below yields to the event loop: Node reads nothing
            // meanwhile, as between a pool's send and its wait.
            stdout.resume()
            while (Buffer.concat(got).length < 2) await once(stdout, "data")
            stdout.pause()
            const reader = new ReplyReader()
            for (const message of messages) {
              child.stdin!.write(message)
              reader.read(stdout, received)
            }
            child.stdin!.end()
            stdout.resume()
            await end
            expect(Buffer.concat(got).equals(Buffer.concat([Buffer.from("up"), ...messages]))).toBe(true)
          } finally {
            await stop(child)
          }
        }
      ),
      { numRuns: 4 }
    )
  })

  it("a peer that stays silent, and one that exits, end the wait with nothing read; the stream then sees the end", async () => {
    const { child, end, got, received, stdout } = echoChild("process.stdin.resume(); process.stdin.on('end', () => process.exit(0))")
    const reader = new ReplyReader()
    try {
      // Silent: the wait gives up (its cap, or at once when its policy says so), as often as asked.
      for (let i = 0; i < 5; i++) expect(reader.read(stdout, received)).toBe(false)
      child.stdin!.end()
      await once(child, "exit")
      // Gone: nothing to read, and the end of the stream is left for Node's own read to report.
      expect(reader.read(stdout, received)).toBe(false)
      stdout.resume()
      await end
      expect(got).toEqual([])
    } finally {
      await stop(child)
    }
  })
})
