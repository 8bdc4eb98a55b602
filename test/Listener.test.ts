import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as net from "node:net"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc, Option } from "effect"
import * as Listener from "../src/Listener.js"

const python = (args: Array<string>, onFirstLine?: (line: string) => void) =>
  new Promise<Array<string>>((resolve, reject) => {
    const child = spawn("python3", args, { stdio: ["ignore", "pipe", "inherit"] })
    let out = ""
    child.stdout.on("data", (chunk) => {
      const first = !out.includes("\n")
      out += chunk
      if (first && out.includes("\n")) onFirstLine?.(out.slice(0, out.indexOf("\n")))
    })
    child.on("error", reject)
    child.on("exit", () => resolve(out.trim().split("\n")))
  })
const giveBoth = "give the Listener and the Client the same `authkey`"
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/python/${name}`, import.meta.url))

/** A listener and a client connected to it, both closed with the scope. */
const pair = (address?: Listener.Address, options?: Listener.ListenerOptions) =>
  Effect.gen(function*() {
    const listener = yield* Listener.make(address, options)
    const [client, server] = yield* Effect.all(
      [Listener.client(listener.address, options), listener.accept],
      { concurrency: "unbounded" }
    )
    return { listener, client, server }
  })

describe("Listener and Client", () => {
  it.scopedLive("TCP, a default Unix path and a Linux abstract name all carry objects and bytes", () =>
    Effect.gen(function*() {
      for (const address of [{ host: "127.0.0.1", port: 0 }, undefined, `\0emp-test-${process.pid}`]) {
        const { client, server } = yield* pair(address)
        yield* client.send({ hello: [1, 2, 3], when: new Date(0) })
        expect(yield* server.recv).toEqual({ hello: [1, 2, 3], when: new Date(0) })
        yield* server.sendBytes(Buffer.from("xxhello worldxx"), 2, 11)
        expect(Buffer.from(yield* client.recvBytes()).toString()).toBe("hello world")
      }
    }))

  it.scopedLive.prop(
    "byte messages keep their boundaries, empty ones included",
    [fc.array(fc.uint8Array({ maxLength: 2000 }), { maxLength: 30 })],
    ([messages]) =>
      Effect.gen(function*() {
        const { client, server } = yield* pair({ host: "127.0.0.1", port: 0 })
        yield* Effect.forEach(messages, (m) => client.sendBytes(m))
        const received = yield* Effect.forEach(messages, () => server.recvBytes())
        expect(received.map((m) => [...m])).toEqual(messages.map((m) => [...m]))
        expect(yield* server.poll()).toBe(false)
      }),
    { fastCheck: { numRuns: 15 } }
  )

  it.scopedLive("CPython's errors: too long, too short a buffer, bad offsets, closed handles", () =>
    Effect.gen(function*() {
      const { client, server } = yield* pair({ host: "127.0.0.1", port: 0 })
      yield* client.sendBytes(Buffer.from("0123456789"))
      const into = new Uint8Array(4)
      const short = yield* server.recvBytesInto(into).pipe(Effect.flip)
      expect(short._tag).toBe("BufferTooShort")
      expect(short._tag === "BufferTooShort" && Buffer.from(short.data).toString()).toBe("0123456789")

      yield* client.sendBytes(Buffer.from("abc"))
      expect(yield* server.recvBytesInto(into, 1)).toBe(3)
      expect(Buffer.from(into.subarray(1)).toString()).toBe("abc")

      expect((yield* client.sendBytes(Buffer.from("abc"), -1).pipe(Effect.flip)).message).toBe("offset is negative")
      expect((yield* client.sendBytes(Buffer.from("abc"), 1, 5).pipe(Effect.flip)).message).toBe("buffer length < offset + size")
      expect((yield* server.recvBytesInto(into, 9).pipe(Effect.flip)).message).toBe("offset too large")

      yield* client.sendBytes(Buffer.alloc(100))
      const tooLong = yield* server.recvBytes(10).pipe(Effect.flip)
      expect(tooLong).toMatchObject({ _tag: "OSError", message: "bad message length: 100 > 10" })
      expect((yield* server.recvBytes().pipe(Effect.flip))._tag).toBe("OSError") // unreadable from then on

      yield* client.close
      expect(client.closed).toBe(true)
      expect(yield* client.sendBytes(Buffer.from("x")).pipe(Effect.flip)).toMatchObject({ message: "handle is closed" })
    }))

  it.scopedLive("end of file after the peer closes; poll waits up to its timeout", () =>
    Effect.gen(function*() {
      const { client, server } = yield* pair()
      expect(yield* server.poll("50 millis")).toBe(false)
      yield* client.send("last words")
      yield* client.close
      expect(yield* server.poll("1 second")).toBe(true)
      expect(yield* server.recv).toBe("last words")
      expect((yield* server.recv.pipe(Effect.flip))._tag).toBe("EOFError")
    }))

  it.scopedLive("a second Listener on an address in use fails with OSError EADDRINUSE", () =>
    Effect.gen(function*() {
      const first = yield* Listener.make({ host: "127.0.0.1", port: 0 })
      const error = yield* Listener.make(first.address).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "OSError", code: "EADDRINUSE" })
    }))

  it.scopedLive("accept can be interrupted: a timeout on it ends the wait, and the listener still accepts", () =>
    Effect.gen(function*() {
      const listener = yield* Listener.make({ host: "127.0.0.1", port: 0 })
      expect(yield* Effect.timeoutOption(listener.accept, "200 millis")).toEqual(Option.none())
      const [client, server] = yield* Effect.all([Listener.client(listener.address), listener.accept], { concurrency: "unbounded" })
      yield* client.send("after the timeout")
      expect(yield* server.recv).toBe("after the timeout")
    }))

  it.scopedLive("authentication: a key given to one end only is named as the mistake, on both ends", () =>
    Effect.gen(function*() {
      const listener = yield* Listener.make({ host: "127.0.0.1", port: 0 }, { authkey: randomBytes(32) })
      const accepting = yield* Effect.fork(Effect.flip(listener.accept))
      const client = yield* Listener.client(listener.address)
      // The client sends data where an answer to the challenge was due, and reads the challenge as data.
      yield* client.send("hello")
      const recvError = yield* Effect.flip(client.recv)
      expect(recvError._tag).toBe("SerializationError")
      expect(recvError.message).toContain(
        "This message is an authentication challenge: the peer was given an `authkey` and this end was not"
      )
      const acceptError = yield* accepting
      expect(acceptError._tag).toBe("AuthenticationError")
      expect(acceptError.message).toContain("the peer did not answer the challenge: was it given no `authkey`?")
      expect(acceptError.message).toContain(giveBoth)
    }))

  it.scopedLive("authentication: a wrong key fails both sides, no message is delivered, the listener keeps serving", () =>
    Effect.gen(function*() {
      const authkey = randomBytes(32)
      const listener = yield* Listener.make({ host: "127.0.0.1", port: 0 }, { authkey })
      const [clientError, acceptError] = yield* Effect.all(
        [
          Listener.client(listener.address, { authkey: randomBytes(32) }).pipe(Effect.flip),
          listener.accept.pipe(Effect.flip)
        ],
        { concurrency: "unbounded" }
      )
      // Python's words first, then what to do.
      const differentKeys = "the two ends were given different authkeys"
      expect(clientError._tag).toBe("AuthenticationError")
      expect(clientError.message).toBe(`digest sent was rejected: ${differentKeys}: ${giveBoth}`)
      expect(acceptError._tag).toBe("AuthenticationError")
      expect(acceptError.message).toBe(`digest received was wrong: ${differentKeys}: ${giveBoth}`)

      // Garbage and a header claiming gigabytes, then a good client: the listener serves it.
      for (const junk of [randomBytes(64), Buffer.from([0x7f, 0xff, 0xff, 0xff])]) {
        const raw = net.connect((listener.address as { port: number }).port, "127.0.0.1")
        yield* Effect.addFinalizer(() => Effect.sync(() => raw.destroy()))
        raw.on("error", () => {})
        raw.end(junk)
        expect((yield* listener.accept.pipe(Effect.flip))._tag).toMatch(/AuthenticationError|OSError|EOFError/)
      }
      const [client, server] = yield* Effect.all([Listener.client(listener.address, { authkey }), listener.accept], {
        concurrency: "unbounded"
      })
      yield* client.send("authenticated")
      expect(yield* server.recv).toBe("authenticated")
    }))

  const badAddress = fc.oneof(
    fc.constantFrom<unknown>(42, [], {}, true, null, "", [1, 2], { host: "127.0.0.1" }, { port: 0 }),
    fc.record({ host: fc.oneof(fc.integer(), fc.constant(undefined)), port: fc.integer({ min: 0, max: 65535 }) }),
    fc.record({ host: fc.constant("127.0.0.1"), port: fc.oneof(fc.integer({ min: 65536 }), fc.integer({ max: -1 }), fc.double({ noInteger: true }), fc.string()) })
  )
  const badAuthkey = fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.array(fc.nat(255)), fc.constant({}))

  it.scopedLive.prop(
    "a malformed address is a ValueError at the call, for a Listener and a Client: nothing listens on every interface",
    [badAddress],
    ([address]) =>
      Effect.gen(function*() {
        const listening = yield* Listener.make(address as Listener.Address).pipe(Effect.flip)
        expect(listening).toMatchObject({ _tag: "ValueError" })
        expect(listening.message).toContain("address type unrecognized")
        const connecting = yield* Listener.client(address as Listener.Address).pipe(Effect.flip)
        expect(connecting).toMatchObject({ _tag: "ValueError" })
      }),
    { fastCheck: { numRuns: 30 } }
  )

  it.scopedLive.prop(
    "an authkey that is not bytes is a TypeError at the call, as in Python, for a Listener and a Client",
    [badAuthkey],
    ([authkey]) =>
      Effect.gen(function*() {
        const options = { authkey: authkey as unknown as Uint8Array }
        const listening = yield* Listener.make({ host: "127.0.0.1", port: 0 }, options).pipe(Effect.flip)
        expect(listening).toMatchObject({ _tag: "TypeError" })
        expect(listening.message).toMatch(/^authkey must be bytes/)
        const good = yield* Listener.make({ host: "127.0.0.1", port: 0 }, { authkey: randomBytes(32) })
        expect(yield* Listener.client(good.address, options).pipe(Effect.flip)).toMatchObject({ _tag: "TypeError" })
      }),
    { fastCheck: { numRuns: 20 } }
  )

  /** `count` peers that connect and never say a word, destroyed with the scope; resolves once all are connected. */
  const idlePeers = (port: number, count: number) =>
    Effect.acquireRelease(
      Effect.promise(() =>
        Promise.all(Array.from({ length: count }, () =>
          new Promise<net.Socket>((resolve) => {
            const socket = net.connect(port, "127.0.0.1")
            socket.on("error", () => {})
            socket.resume() // it reads (and so sees the listener close it), but never answers
            socket.once("connect", () => resolve(socket))
            socket.once("error", () => resolve(socket))
          })))
      ),
      (sockets) => Effect.sync(() => sockets.forEach((socket) => socket.destroy()))
    )

  it.scopedLive("a flood of idle peers that never answer the challenge does not keep a good client out: handshakes run side by side", () =>
    Effect.gen(function*() {
      const authkey = randomBytes(32)
      const listener = yield* Listener.make({ host: "127.0.0.1", port: 0 }, { authkey })
      yield* idlePeers((listener.address as { port: number }).port, 300)
      // The docs' accept loop: a failed accept (an idle peer dropped for a newcomer) is skipped.
      const [client, server] = yield* Effect.all(
        [Listener.client(listener.address, { authkey }), Effect.eventually(listener.accept)],
        { concurrency: "unbounded" }
      )
      yield* client.send("served")
      expect(yield* server.recv).toBe("served")
    }))

  it.scopedLive("a peer that never completes its handshake is dropped after the time limit, failing one accept that says so", () =>
    Effect.gen(function*() {
      const listener = yield* Listener.make({ host: "127.0.0.1", port: 0 }, { authkey: randomBytes(32) })
      const [peer] = yield* idlePeers((listener.address as { port: number }).port, 1)
      const closedByListener = Effect.async<void>((resume) => {
        if (peer.destroyed) resume(Effect.void)
        peer.once("close", () => resume(Effect.void))
      })
      const failure = yield* Effect.flip(listener.accept)
      expect(failure).toMatchObject({ _tag: "AuthenticationError", message: "the peer did not complete the handshake within 10 s" })
      yield* closedByListener
    }), { timeout: 60_000 })

  it.scopedLive("interop: Python's Client with our Listener, our Client with Python's Listener", () =>
    Effect.gen(function*() {
      const authkey = randomBytes(32)
      const listener = yield* Listener.make({ host: "127.0.0.1", port: 0 }, { authkey })
      const port = String((listener.address as { port: number }).port)
      const done = python([fixture("client.py"), port, authkey.toString("hex")])
      const server = yield* listener.accept
      expect(Buffer.from(yield* server.recvBytes()).toString()).toMatch(/^hello from python/)
      yield* server.sendBytes(Buffer.from("hello from node"))
      expect(yield* Effect.promise(() => done)).toEqual(["hello from node"])

      let pythonPort = 0
      const pythonListener = python([fixture("listener.py"), authkey.toString("hex")], (line) => (pythonPort = Number(line)))
      while (pythonPort === 0) yield* Effect.sleep(10)
      const client = yield* Listener.client({ host: "127.0.0.1", port: pythonPort }, { authkey })
      yield* client.sendBytes(Buffer.from("ping"))
      expect(Buffer.from(yield* client.recvBytes()).toString()).toBe("echo:ping")
      yield* client.recvBytes()
      yield* client.close
      expect(yield* Effect.promise(() => pythonListener)).toEqual([String(pythonPort), "OK"])
    }))

  it.scopedLive("a bounded fuzz: random bytes and truncated handshakes fail only their own accept; the listener keeps serving", () =>
    Effect.gen(function*() {
      const authkey = randomBytes(32)
      const listener = yield* Listener.make({ host: "127.0.0.1", port: 0 }, { authkey, maxMessageLength: 1 << 20 })
      const port = (listener.address as { port: number }).port
      const junk = fc.sample(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }),
          // a plausible frame, cut short
          fc.tuple(fc.integer({ min: 0, max: 300 }), fc.uint8Array({ maxLength: 40 })).map(([length, body]) => {
            const frame = Buffer.alloc(4 + body.length)
            frame.writeInt32BE(length, 0)
            frame.set(body, 4)
            return new Uint8Array(frame)
          })
        ),
        { numRuns: 40, seed: 7 }
      )
      for (const bytes of junk) {
        const raw = net.connect(port, "127.0.0.1")
        yield* Effect.addFinalizer(() => Effect.sync(() => raw.destroy()))
        raw.on("error", () => {})
        raw.end(bytes)
        const outcome = yield* Effect.scoped(listener.accept).pipe(Effect.either)
        expect(outcome._tag).toBe("Left")
      }
      const [client, server] = yield* Effect.all([Listener.client(listener.address, { authkey }), listener.accept], {
        concurrency: "unbounded"
      })
      yield* client.send("still serving")
      expect(yield* server.recv).toBe("still serving")
    }))

  it.scopedLive("peers that send a frame length below -1 and stay connected fail their accepts; a good client is served after", () =>
    Effect.gen(function*() {
      const authkey = randomBytes(32)
      const listener = yield* Listener.make({ host: "127.0.0.1", port: 0 }, { authkey })
      const port = (listener.address as { port: number }).port
      for (let i = 0; i < 2; i++) {
        const raw = net.connect(port, "127.0.0.1")
        yield* Effect.addFinalizer(() => Effect.sync(() => raw.destroy()))
        raw.on("error", () => {})
        raw.on("connect", () => raw.write(Buffer.from([0xff, 0xff, 0xff, 0x00])))
      }
      for (let i = 0; i < 2; i++) {
        expect((yield* Effect.scoped(listener.accept).pipe(Effect.flip))._tag).toMatch(/AuthenticationError|OSError|EOFError/)
      }
      const [client, server] = yield* Effect.all([Listener.client(listener.address, { authkey }), listener.accept], {
        concurrency: "unbounded"
      })
      yield* client.send("served")
      expect(yield* server.recv).toBe("served")
    }))
})
