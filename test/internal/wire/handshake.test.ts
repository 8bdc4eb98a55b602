/**
 * CPython's connection handshake and framing against python3's own
 * multiprocessing.connection: 3.11 (legacy HMAC-MD5 challenges) and, where
 * pyenv has it, 3.13 ({sha256} challenges).
 */
import { spawn, spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as net from "node:net"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
// The build's own modules: the same instances the package uses in this process.
import * as ResourceClient from "../../../dist/internal/served/channel.js"
import * as ResourceServer from "../../../dist/internal/served/server.js"
import * as FramedSocket from "../../../src/internal/wire/framedSocket.js"
import { authenticateClient, authenticateListener } from "../../../src/internal/wire/handshake.js"

const script = (name: string) => fileURLToPath(new URL(`../../fixtures/python/${name}`, import.meta.url))

/** The Pythons on this machine: the default python3, and 3.13 when pyenv has it. */
const pythons: Array<{ label: string; env: Record<string, string> }> = [{ label: "default python3", env: {} }]
if (spawnSync("python3", ["--version"], { env: { ...process.env, PYENV_VERSION: "3.13.0" } }).status === 0) {
  pythons.push({ label: "python 3.13", env: { PYENV_VERSION: "3.13.0" } })
}

/** Runs a Python fixture; resolves with its stdout lines once it exits. */
const python = (env: Record<string, string>, args: Array<string>, onFirstLine?: (line: string) => void) =>
  new Promise<Array<string>>((resolve, reject) => {
    const child = spawn("python3", args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] })
    let out = ""
    let first = true
    child.stdout.on("data", (chunk) => {
      out += chunk
      if (first && out.includes("\n")) {
        first = false
        onFirstLine?.(out.slice(0, out.indexOf("\n")))
      }
    })
    child.on("error", reject)
    child.on("exit", () => resolve(out.trim().split("\n")))
  })

const connect = (port: number) =>
  Effect.acquireRelease(
    Effect.async<net.Socket, Error>((resume) => {
      const socket = net.connect(port, "127.0.0.1", () => resume(Effect.succeed(socket)))
      socket.once("error", (error) => resume(Effect.fail(error)))
    }),
    (socket) => Effect.sync(() => socket.destroy())
  )

describe.each(pythons)("handshake and framing with $label", ({ env }) => {
  it.scopedLive("our client authenticates with a Python Listener and exchanges bytes both ways", () =>
    Effect.gen(function*() {
      const key = randomBytes(32)
      let port = 0
      const done = python(env, [script("listener.py"), key.toString("hex")], (line) => (port = Number(line)))
      while (port === 0) yield* Effect.sleep(10)
      const channel = yield* FramedSocket.make(yield* connect(port))
      yield* authenticateListener(channel, key)
      yield* channel.sendBytes(Buffer.from("hi from node"))
      expect(Buffer.from(yield* channel.recvBytes(1024)).toString()).toBe("echo:hi from node")
      expect(Buffer.from(yield* channel.recvBytes(1024)).toString()).toMatch(/^from python 3\./)
      yield* channel.close
      expect(yield* Effect.promise(() => done)).toEqual([String(port), "OK"])
    }))

  it.scopedLive("a Python Client authenticates with our listener side; a wrong key fails on both sides", () =>
    Effect.gen(function*() {
      const key = randomBytes(32)
      const server = net.createServer()
      yield* Effect.addFinalizer(() => Effect.sync(() => server.close()))
      yield* Effect.async<void>((resume) => {
        server.listen(0, "127.0.0.1", () => resume(Effect.void))
      })
      const port = (server.address() as net.AddressInfo).port
      const accepted: Array<net.Socket> = []
      server.on("connection", (socket) => accepted.push(socket))
      yield* Effect.addFinalizer(() => Effect.sync(() => accepted.forEach((socket) => socket.destroy())))
      const nextSocket = Effect.gen(function*() {
        const seen = accepted.length
        while (accepted.length === seen) yield* Effect.sleep(5)
        return accepted[seen]
      })

      const good = python(env, [script("client.py"), String(port), key.toString("hex")])
      const channel = yield* FramedSocket.make(yield* nextSocket)
      yield* authenticateClient(channel, key)
      const greeting = Buffer.from(yield* channel.recvBytes(1024)).toString()
      expect(greeting).toMatch(/^hello from python 3\./)
      yield* channel.sendBytes(Buffer.from("welcome, python"))
      expect(yield* Effect.promise(() => good)).toEqual(["welcome, python"])

      const bad = python(env, [script("client.py"), String(port), randomBytes(32).toString("hex")])
      const badChannel = yield* FramedSocket.make(yield* nextSocket)
      const error = yield* authenticateClient(badChannel, key).pipe(Effect.flip)
      expect(error._tag).toBe("AuthenticationError")
      expect(error.message).toMatch(/^digest received was wrong: the two ends were given different authkeys/)
      expect((yield* Effect.promise(() => bad)).join("\n")).toContain("AuthenticationError: digest sent was rejected")
    }))

  it.scopedLive("our client with a wrong key is rejected by a Python Listener", () =>
    Effect.gen(function*() {
      let port = 0
      const done = python(env, [script("listener.py"), randomBytes(32).toString("hex")], (line) => (port = Number(line)))
      while (port === 0) yield* Effect.sleep(10)
      const channel = yield* FramedSocket.make(yield* connect(port))
      const error = yield* authenticateListener(channel, randomBytes(32)).pipe(Effect.flip)
      expect(error._tag).toBe("AuthenticationError")
      expect(error.message).toMatch(/^digest sent was rejected: the two ends were given different authkeys/)
      expect((yield* Effect.promise(() => done)).join("\n")).toContain("AuthenticationError: digest received was wrong")
    }))
})

describe("framed socket limits", () => {
  it.scopedLive("a header announcing more than the limit fails the receive before anything that size is buffered", () =>
    Effect.gen(function*() {
      const [a, b] = yield* socketPair
      const channel = yield* FramedSocket.make(b, { maxMessageLength: 1024 })
      a.write(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]))
      const error = yield* channel.recvBytes(1024).pipe(Effect.flip)
      expect(error._tag).toBe("OSError")
      expect(error.message).toContain("exceeds the limit of 1024")
    }))

  it.scopedLive("frames over a handshake's limit that came right behind it wait, and arrive once the limit is raised", () =>
    Effect.gen(function*() {
      const [a, b] = yield* socketPair
      const channel = yield* FramedSocket.make(b, { maxMessageLength: 16 })
      const big = Buffer.alloc(5000, 7)
      const header = (n: number) => { const h = Buffer.alloc(4); h.writeInt32BE(n); return h }
      a.write(Buffer.concat([header(2), Buffer.from("hi"), header(big.length), big, header(3), Buffer.from("end")]))
      expect(Buffer.from(yield* channel.recvBytes(16)).toString()).toBe("hi")
      yield* Effect.sleep("20 millis") // the rest is here by now, held behind the limit
      channel.limit(1 << 20)
      expect((yield* channel.recvBytes(1 << 20)).length).toBe(5000)
      expect(Buffer.from(yield* channel.recvBytes(16)).toString()).toBe("end")
    }))

  it.scopedLive("messages sent before the peer closed are delivered, then end of file", () =>
    Effect.gen(function*() {
      const [a, b] = yield* socketPair
      const channel = yield* FramedSocket.make(b)
      a.end(Buffer.concat([Buffer.from([0, 0, 0, 0]), Buffer.from([0, 0, 0, 2]), Buffer.from("ok")]))
      expect((yield* channel.recvBytes(10)).length).toBe(0) // the empty message is a message
      expect(Buffer.from(yield* channel.recvBytes(10)).toString()).toBe("ok")
      expect((yield* channel.recvBytes(10).pipe(Effect.flip))._tag).toBe("EOFError")
    }))
})

/** Two connected TCP sockets on loopback, closed with the scope. */
const socketPair = Effect.acquireRelease(
  Effect.async<[net.Socket, net.Socket]>((resume) => {
    const server = net.createServer((b) => {
      server.close()
      resume(Effect.succeed([a, b]))
    })
    let a: net.Socket
    server.listen(0, "127.0.0.1", () => {
      a = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1")
    })
  }),
  ([a, b]) => Effect.sync(() => (a.destroy(), b.destroy()))
)

describe("the resource server under a flood", () => {
  it.scopedLive("idle unauthenticated peers beyond its slots are dropped, oldest first, and its family is still served", () =>
    Effect.gen(function*() {
      const id = ResourceServer.register({ kind: "Probe", unsafeCall: () => Exit.succeed("served") })
      yield* Effect.addFinalizer(() => Effect.sync(() => ResourceServer.unregister(id)))
      const address = ResourceServer.address() as string
      const peers = 300
      let dropped = 0
      const sockets = yield* Effect.acquireRelease(
        Effect.promise(() =>
          Promise.all(Array.from({ length: peers }, () =>
            new Promise<net.Socket>((resolve) => {
              const socket = net.connect({ path: address })
              socket.on("error", () => {})
              socket.resume() // it reads (and so sees the server close it), but never answers
              socket.once("close", () => dropped++)
              // Connected, or refused while the server starts: either way it is counted once it closes.
              socket.once("connect", () => resolve(socket))
              socket.once("error", () => resolve(socket))
            })))
        ),
        (sockets) => Effect.sync(() => sockets.forEach((socket) => socket.destroy()))
      )
      expect(sockets.length).toBe(peers)
      // 256 slots: the 44 oldest of 300 make room for the newer ones.
      while (dropped < peers - 256) yield* Effect.sleep(20)
      const reference = { kind: "Probe", id, address, ownerPid: process.pid, ownerName: "this test" }
      expect(yield* ResourceClient.channel(reference).call(reference, "probe", [], "")).toBe("served")
    }))
})
