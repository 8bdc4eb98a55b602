import { describe, expect, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Either, FastCheck, Fiber, Stream } from "effect"
import { Connection, Listener, NodeMultiprocessing, Pipe, Process } from "effect-multiprocessing"

describe("wait", () => {
  it.scopedLive("returns the ready connections, listeners and sentinels; [] on timeout; at once when the timeout is not positive", () =>
    Effect.gen(function*() {
      const [a1, b1] = yield* Pipe.make()
      const [a2, b2] = yield* Pipe.make()
      expect(yield* Connection.wait([b1, b2], "50 millis")).toEqual([])
      expect(yield* Connection.wait([b1, b2], -1)).toEqual([])

      const later = yield* Effect.fork(Effect.zipRight(Effect.sleep("100 millis"), a2.send("second")))
      expect(yield* Connection.wait([b1, b2])).toEqual([b2])
      yield* Fiber.join(later)
      yield* a1.send("first")
      expect(yield* Connection.wait([b1, b2], 0)).toEqual([b1, b2])
      expect(yield* b1.recv).toBe("first")
      expect(yield* Connection.wait([b1, b2], 0)).toEqual([b2])

      const listener = yield* Listener.make()
      expect(yield* Connection.wait([listener], 0)).toEqual([])
      yield* Effect.fork(Listener.client(listener.address))
      expect(yield* Connection.wait([listener], "5 seconds")).toEqual([listener])

      const p = yield* Process.start({ target: () => new Promise((resolve) => setTimeout(resolve, 150)) })
      expect(yield* Connection.wait([p.sentinel], 0)).toEqual([])
      expect(yield* Connection.wait([p.sentinel, b1], "10 seconds")).toEqual([p.sentinel])
      expect(p.exitCode).toBe(0)
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.scopedLive("an exited sentinel and connections with data are all ready at once, as Python's wait returns each of them", () =>
    Effect.gen(function*() {
      const [here, there] = yield* Pipe.make()
      const [reader, writer] = yield* Pipe.make({ duplex: false })
      const p = yield* Process.start({ target: (conn: { send(v: unknown): unknown }) => conn.send("last words"), args: [there] })
      yield* there.close
      yield* p.join()
      // Neither end has been read from yet: their bytes are still in the kernel, where Python's select looks.
      yield* writer.send("local")
      expect(yield* Connection.wait([p.sentinel, here, reader], "10 seconds")).toEqual([p.sentinel, here, reader])
      expect([yield* here.recv, yield* reader.recv]).toEqual(["last words", "local"])
      // poll(0) asks the kernel too: a message just sent is there.
      yield* writer.send("next")
      expect(yield* reader.poll(0)).toBe(true)
      yield* writer.close
      expect(yield* reader.recv).toBe("next")
      expect(yield* reader.poll()).toBe(true) // end of file: a receive would not wait
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))
})

describe("Connection as Stream and Sink", () => {
  it.scopedLive("a stream into a sink on one end comes out as a stream on the other, ending at end of file", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Pipe.make()
      yield* Stream.range(1, 500).pipe(Stream.map((n) => ({ n })), Stream.run(Connection.toSink(a)))
      yield* a.close
      const received = yield* Stream.runCollect(Connection.toStream(b))
      expect(Chunk.toReadonlyArray(received).map((m) => (m as { n: number }).n)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1))
    }))

  it.scopedLive("messages of 64 MiB and more arrive intact", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Pipe.make()
      const big = Buffer.alloc(64 * 1024 * 1024 + 3)
      for (let i = 0; i < big.length; i += 4096) big[i] = i % 251
      const [, received] = yield* Effect.all([a.sendBytes(big), b.recvBytes()], { concurrency: "unbounded" })
      expect(received.byteLength).toBe(big.byteLength)
      expect(Buffer.compare(Buffer.from(received), big)).toBe(0)
    }))
})

describe("sending", () => {
  it.scopedLive("a sender may reuse its buffer once a send is done, small messages and large", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Pipe.make()
      for (const size of [1024, 1024 * 1024]) {
        const buffer = Buffer.alloc(size, 1)
        const reader = yield* Effect.fork(Effect.all([b.recvBytes(), b.recvBytes()]))
        yield* a.sendBytes(buffer)
        buffer.fill(2)
        yield* a.sendBytes(buffer)
        buffer.fill(3)
        const [first, second] = yield* Fiber.join(reader)
        expect([first.byteLength, first.every((x) => x === 1), second.every((x) => x === 2)]).toEqual([size, true, true])
      }
    }))

  it.scopedLive("a sender far ahead of its reader waits instead of buffering without bound, and loses nothing", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Pipe.make()
      const count = 8192 // 8 MiB of 1 KiB messages: far more than the socket and our send buffer hold
      let sent = 0
      const sender = yield* Effect.fork(Effect.forEach(Array.from({ length: count }, (_, i) => i), (i) => {
        const message = Buffer.alloc(1024, i % 251)
        message.writeUInt32BE(i)
        return Effect.tap(a.sendBytes(message), () => void sent++)
      }, { discard: true }))
      yield* Effect.sleep("300 millis")
      expect(sent).toBeGreaterThan(0)
      expect(sent).toBeLessThan(count / 2)
      const received = yield* Effect.forEach(Array.from({ length: count }), () => b.recvBytes())
      yield* Fiber.join(sender)
      expect(received.every((m, i) => m.byteLength === 1024 && Buffer.from(m).readUInt32BE(0) === i && m[1023] === i % 251)).toBe(true)
    }))
})

describe("message sequences across processes", () => {
  it.scopedLive(
    "request and reply: a child echoes every message, whatever its size, in order (the receive that spins on the socket keeps them whole)",
    () =>
      Effect.gen(function*() {
        const [here, there] = yield* Pipe.make()
        // One child echoes the messages of every run, until end of file: a child per run would check
        // the same at a process start each.
        const echo = yield* Process.start({
          target: async (conn: { sendBytes(b: Uint8Array): unknown; recvBytes(): unknown }) => {
            const { Effect } = await import("effect")
            let echoed = 0
            const echoOne = Effect.flatMap(conn.recvBytes() as Effect.Effect<Uint8Array>, (m) => conn.sendBytes(m) as Effect.Effect<void>)
            return Effect.forever(Effect.tap(echoOne, () => void echoed++)).pipe(
              Effect.catchTag("EOFError" as never, () => Effect.succeed(echoed))
            )
          },
          args: [there]
        })
        yield* there.close
        let sent = 0
        yield* Effect.promise(() =>
          FastCheck.assert(
            FastCheck.asyncProperty(
              FastCheck.array(FastCheck.oneof(FastCheck.nat(40), FastCheck.nat(5000), FastCheck.integer({ min: 60_000, max: 300_000 })), { minLength: 1, maxLength: 30 }),
              (sizes) =>
                Effect.runPromise(Effect.gen(function*() {
                  for (const [i, size] of sizes.entries()) {
                    const message = Buffer.alloc(size, i % 251)
                    if (size >= 4) message.writeUInt32BE(i)
                    yield* here.sendBytes(message)
                    sent++
                    const back = Buffer.from(yield* here.recvBytes())
                    expect([i, back.byteLength, Buffer.compare(back, message)]).toEqual([i, size, 0])
                  }
                }))
            ),
            { numRuns: 5 }
          )
        )
        yield* here.close
        expect(yield* echo.result).toBe(sent)
      }).pipe(Effect.provide(NodeMultiprocessing.layer))
  )

  it.scopedLive.prop(
    "bytes (empty ones included) and values sent by a child arrive in order with their boundaries",
    // Half the runs of before with twice the messages each: a run costs a child process.
    [FastCheck.array(FastCheck.uint8Array({ maxLength: 3000 }), { maxLength: 50 }), FastCheck.array(FastCheck.jsonValue(), { maxLength: 20 })],
    ([chunks, values]) =>
      Effect.gen(function*() {
        const [here, there] = yield* Pipe.make()
        yield* Process.start({
          target: async (conn: { sendBytes(b: Uint8Array): unknown; send(v: unknown): unknown }, bytes: Array<Uint8Array>, objects: Array<unknown>) => {
            const { Effect } = await import("effect")
            return Effect.zipRight(
              Effect.forEach(bytes, (b) => conn.sendBytes(b) as never),
              Effect.forEach(objects, (v) => conn.send(v) as never)
            )
          },
          args: [there, chunks, values]
        })
        yield* there.close
        const gotBytes = yield* Effect.forEach(chunks, () => here.recvBytes())
        const gotValues = yield* Effect.forEach(values, () => here.recv)
        expect(gotBytes.map((b) => [...b])).toEqual(chunks.map((b) => [...b]))
        expect(gotValues).toEqual(values.map((v) => JSON.parse(JSON.stringify(v))))
      }).pipe(Effect.provide(NodeMultiprocessing.layer)),
    { fastCheck: { numRuns: 3 } }
  )
})

describe("polling", () => {
  it.scopedLive("poll(Duration.infinity) waits without limit, as Python's poll(None); a NaN or non-duration timeout is a typed error", () =>
    Effect.gen(function*() {
      const [here, there] = yield* Pipe.make()
      yield* Process.start({
        target: async (conn: { send(v: unknown): unknown }) => {
          await new Promise((resolve) => setTimeout(resolve, 300))
          const { Effect } = await import("effect")
          return Effect.zipRight(conn.send("late") as Effect.Effect<void>, Effect.never.pipe(Effect.timeout("5 seconds"), Effect.ignore))
        },
        args: [there]
      })
      yield* there.close
      expect(yield* here.poll(Duration.infinity)).toBe(true)
      expect(yield* here.recv).toBe("late")
      expect(yield* here.poll(Number.NaN).pipe(Effect.flip)).toMatchObject({ _tag: "ValueError", message: expect.stringContaining("NaN") })
      expect(yield* here.poll("soon" as never).pipe(Effect.flip)).toMatchObject({ _tag: "TypeError" })
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))
})

describe("a message over the receive's limit (CPython's bad message length)", () => {
  it.scopedLive("a duplex end becomes write-only: readable is false, receives fail, sends still reach the peer", () =>
    Effect.gen(function*() {
      const [here, there] = yield* Pipe.make()
      const p = yield* Process.start({
        target: async (conn: { sendBytes(b: Uint8Array): unknown; recv: unknown }) => {
          const { Effect } = await import("effect")
          return Effect.zipRight(conn.sendBytes(new Uint8Array(10)) as Effect.Effect<void>, conn.recv as Effect.Effect<unknown>)
        },
        args: [there]
      })
      yield* there.close
      expect(yield* here.recvBytes(5).pipe(Effect.flip)).toMatchObject({ _tag: "OSError", message: expect.stringContaining("bad message length") })
      expect([here.readable, here.writable, here.closed]).toEqual([false, true, false])
      expect(yield* here.recvBytes().pipe(Effect.flip)).toMatchObject({ _tag: "OSError", message: "connection is write-only" })
      expect(yield* here.poll(0).pipe(Effect.flip)).toMatchObject({ _tag: "OSError", message: "connection is write-only" })
      yield* here.send("still heard")
      expect(yield* p.result).toBe("still heard")
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.scopedLive("a read-only end is closed, as CPython closes it", () =>
    Effect.gen(function*() {
      const [reader, writer] = yield* Pipe.make({ duplex: false })
      yield* writer.sendBytes(new Uint8Array(10))
      expect(yield* reader.recvBytes(5).pipe(Effect.flip)).toMatchObject({ _tag: "OSError", message: expect.stringContaining("bad message length") })
      expect([reader.readable, reader.closed]).toEqual([false, true])
      expect(yield* reader.recvBytes().pipe(Effect.flip)).toMatchObject({ _tag: "OSError", message: "handle is closed" })
    }))
})

describe("bytes-like arguments", () => {
  it.scopedLive("sendBytes of a string fails with TypeError saying what to give; nothing is sent", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Pipe.make()
      const failure = yield* a.sendBytes("text" as never).pipe(Effect.flip)
      expect(failure).toMatchObject({ _tag: "TypeError", message: expect.stringContaining("not string") })
      expect(yield* a.sendBytes(Buffer.from("x"), 0.5 as never).pipe(Effect.flip)).toMatchObject({ _tag: "TypeError" })
      expect(yield* a.recvBytesInto([0, 0] as never).pipe(Effect.flip)).toMatchObject({ _tag: "TypeError" })
      yield* a.sendBytes(Buffer.from("after"))
      expect(Buffer.from(yield* b.recvBytes()).toString()).toBe("after")
    }))

  it.scopedLive.prop(
    "any ArrayBufferView is sent from and received into at byte offsets, whatever its element size, as Python's memoryview cast to bytes",
    [
      FastCheck.uint8Array({ minLength: 0, maxLength: 64 }),
      FastCheck.constantFrom("Uint8Array", "Uint16Array", "Float64Array", "DataView", "ArrayBuffer"),
      FastCheck.nat(16),
      FastCheck.nat(16)
    ],
    ([message, kind, lead, extra]) =>
      Effect.gen(function*() {
        const [a, b] = yield* Pipe.make()
        // A view that starts `lead` bytes into its ArrayBuffer and ends `extra` bytes before its end (8-byte aligned for every element size).
        const view = (bytes: number) => {
          const start = 8 * Math.ceil(lead / 8)
          const length = 8 * Math.ceil(bytes / 8)
          const memory = new ArrayBuffer(start + length + 8 * Math.ceil(extra / 8))
          switch (kind) {
            case "Uint8Array": return new Uint8Array(memory, start, length)
            case "Uint16Array": return new Uint16Array(memory, start, length / 2)
            case "Float64Array": return new Float64Array(memory, start, length / 8)
            case "DataView": return new DataView(memory, start, length)
            default: return memory.slice(start, start + length)
          }
        }
        const bytesOf = (v: ArrayBufferView | ArrayBuffer) =>
          ArrayBuffer.isView(v) ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : new Uint8Array(v)
        // Sent from `offset` bytes into a view holding the message there.
        const source = view(message.length + lead)
        bytesOf(source).set(message, lead)
        yield* a.sendBytes(source, lead, message.length)
        const target = view(message.length + extra)
        expect(yield* b.recvBytesInto(target, extra)).toBe(message.length)
        expect([...bytesOf(target).subarray(extra, extra + message.length)]).toEqual([...message])
        // One that does not fit is consumed and carried by BufferTooShort.
        yield* a.sendBytes(source, lead, message.length)
        const received = yield* Effect.either(b.recvBytesInto(view(0)))
        if (message.length === 0) expect(received).toEqual(Either.right(0))
        else expect(Either.isLeft(received) && received.left._tag === "BufferTooShort" && [...received.left.data]).toEqual([...message])
      }),
    { fastCheck: { numRuns: 40 } }
  )
})

describe("Listener and Client options", () => {
  it.scopedLive("a maxMessageLength that is no length is a typed error naming it, at the call", () =>
    Effect.gen(function*() {
      for (const bad of [-1, Number.NaN, 1.5]) {
        expect(yield* Listener.make(undefined, { maxMessageLength: bad }).pipe(Effect.flip))
          .toMatchObject({ _tag: "ValueError", message: expect.stringContaining("maxMessageLength") })
      }
      expect(yield* Listener.make(undefined, { maxMessageLength: "100" as never }).pipe(Effect.flip)).toMatchObject({ _tag: "TypeError" })
      const listener = yield* Listener.make()
      expect(yield* Listener.client(listener.address, { maxMessageLength: -1 }).pipe(Effect.flip))
        .toMatchObject({ _tag: "ValueError", message: expect.stringContaining("maxMessageLength") })
    }))
})
