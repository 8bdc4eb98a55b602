/**
 * The resource protocol against hostile peers: a peer that knows the key but
 * sends nonsense, a reference naming an address that relays another server,
 * a fake owner that reflects the client's own proof. Through real sockets and
 * a real manager process; the build's modules, as the package uses them.
 */
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Effect, FastCheck as fc, Schema } from "effect"
import { Manager, NodeMultiprocessing } from "effect-multiprocessing"
import * as compat from "effect-multiprocessing/compat"
import type * as Tasks from "../../fixtures/tasks.js"
import type * as Listener from "../../../dist/Listener.js"
import { connectWith, open } from "../../../dist/internal/connection/open.js"
import { familyAuthkey } from "../../../dist/internal/thisProcess/currentProcess.js"
import { acceptResourceClient, authenticateResourceServer } from "../../../dist/internal/wire/handshake.js"
import * as ResourceClient from "../../../dist/internal/served/channel.js"
import { isReply, isRequest, Reply, Request } from "../../../dist/internal/served/server.js"

/** A client of the resource server at `address` that speaks its handshake with the family's key, then sends what it likes. */
const rawClient = (address: Listener.Address) =>
  connectWith(address, { authkey: familyAuthkey() }, (channel, key) => authenticateResourceServer(channel, key, () => undefined))

/** A TCP server of this test's, closed with the scope, every connection destroyed. */
const tcpServer = (onConnection: (socket: net.Socket) => void) =>
  Effect.acquireRelease(
    Effect.async<{ server: net.Server; sockets: Set<net.Socket>; address: { host: string; port: number } }>((resume) => {
      const sockets = new Set<net.Socket>()
      const server = net.createServer((socket) => {
        sockets.add(socket)
        socket.on("error", () => {})
        onConnection(socket)
      })
      server.listen(0, "127.0.0.1", () =>
        resume(Effect.succeed({ server, sockets, address: { host: "127.0.0.1", port: (server.address() as net.AddressInfo).port } })))
    }),
    ({ server, sockets }) => Effect.sync(() => (server.close(), sockets.forEach((socket) => socket.destroy())))
  )

const reference = (address: Listener.Address, id = "manager") => ({ kind: "Manager", id, address, ownerPid: 0, ownerName: "the peer's" })

describe("the resource protocol against hostile peers", () => {
  // Near misses: the right tags with wrong lengths and types, besides anything at all.
  const field = fc.oneof(fc.constantFrom("call", "post", "cancel", "ok", "err", "wait", "cancelled", "failed", "recall"), fc.integer(), fc.string(), fc.constant([]), fc.anything())
  const message = (schema: Schema.Schema<any>) =>
    fc.oneof(Arbitrary.make(schema), fc.array(field, { maxLength: 7 }), fc.anything())

  // Schema.is itself throws on some hostile values (an element whose toString is not a function, when it
  // describes the mismatch): such a value is not a valid message, and the hand-written check must say false.
  const schemaSays = (schema: Schema.Schema<any>, value: unknown) => {
    try {
      return Schema.is(schema)(value)
    } catch {
      return false
    }
  }

  it.prop("the hand-written checks of requests and replies are their Schemas", [message(Request), message(Reply)], ([request, reply]) => {
    expect(isRequest(request)).toBe(schemaSays(Request, request))
    expect(isReply(reply)).toBe(schemaSays(Reply, reply))
    expect(isRequest(reply)).toBe(schemaSays(Request, reply))
    expect(isReply(request)).toBe(schemaSays(Reply, request))
  }, { fastCheck: { numRuns: 2000 } })

  it("a message whose element has a toString that is not a function is neither a request nor a reply", () => {
    const hostile = [{ toString: {} }]
    expect(isRequest(hostile)).toBe(false)
    expect(isReply(hostile)).toBe(false)
    expect(isRequest(["wait", 0])).toBe(schemaSays(Request, ["wait", 0]))
  })

  it.scopedLive("a malformed request from an authenticated peer closes that one connection; the manager lives and serves", () =>
    Effect.gen(function*() {
      const manager = yield* Manager.make()
      for (const request of [42, null, "call", ["call"], ["call", "x", 1, 2, 3, 4], { 0: "call" }]) {
        const connection = yield* rawClient(manager.address)
        yield* connection.send(request)
        expect(yield* Effect.flip(connection.recv)).toMatchObject({ _tag: "EOFError" })
      }
      const d = yield* manager.dict()
      yield* d.setItem("still", "serving")
      expect(yield* d.getItem("still")).toBe("serving")
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.scopedLive("a malformed reply fails that owner's calls with OwnerGoneError saying so; the requester lives", () =>
    Effect.gen(function*() {
      let name = ""
      const fake = yield* tcpServer((socket) => {
        const serve = Effect.gen(function*() {
          const connection = yield* open(socket, { authkey: familyAuthkey() }, (channel, key) => acceptResourceClient(channel, key, name), false)
          yield* connection.recv
          yield* connection.send(42)
        })
        Effect.runFork(Effect.ignore(serve))
      })
      name = `tcp:${fake.address.host}:${fake.address.port}`
      const target = reference(fake.address, "anything")
      const error = yield* Effect.flip(ResourceClient.channel(target).call(target, "get", [], ""))
      expect(error).toMatchObject({ _tag: "OwnerGoneError", reason: expect.stringContaining("not a reply of this protocol") })
    }))

  it.scopedLive("a reference naming an address that relays a real manager is refused: the handshake names the server", () =>
    Effect.gen(function*() {
      // A manager over TCP with the family's key, as this process's own would be.
      const manager = yield* Manager.make({ address: { host: "127.0.0.1", port: 0 } })
      let relayed = 0
      const relay = yield* tcpServer((socket) => {
        relayed++
        const upstream = net.connect((manager.address as { port: number }).port, "127.0.0.1")
        upstream.on("error", () => socket.destroy())
        socket.on("close", () => upstream.destroy())
        socket.pipe(upstream).pipe(socket)
      })
      const target = reference(relay.address)
      const error = yield* Effect.flip(ResourceClient.channel(target).call(target, "describe", [], ""))
      expect(relayed).toBe(1)
      expect(error).toMatchObject({ _tag: "OwnerGoneError" })
      expect((error as Error).message).toContain("not the owner the reference names")
      // The manager itself, reached where it says it is, still answers.
      const d = yield* manager.dict()
      yield* d.setItem("k", 1)
      expect(yield* d.getItem("k")).toBe(1)
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.scopedLive("a fake owner that hands the client's own proof back as its answer is refused", () =>
    Effect.gen(function*() {
      let name = ""
      const fake = yield* tcpServer((socket) => {
        const reflect = Effect.gen(function*() {
          // It speaks the protocol, but knows no key: it reflects the client's proof as its own.
          const { make } = yield* Effect.promise(() => import("../../../dist/internal/wire/framedSocket.js"))
          const framed = yield* make(socket, { maxMessageLength: 256 })
          yield* framed.sendBytes(Buffer.concat([Buffer.from("#RESOURCE#"), Buffer.alloc(32, 7), Buffer.from(name)]))
          const answer = yield* framed.recvBytes(256)
          yield* framed.sendBytes(Buffer.concat([Buffer.from("#WELCOME#"), answer.subarray(32)]))
        })
        Effect.runFork(Effect.ignore(reflect))
      })
      name = `tcp:${fake.address.host}:${fake.address.port}`
      const target = reference(fake.address, "anything")
      const error = yield* Effect.flip(ResourceClient.channel(target).call(target, "get", [], ""))
      expect(error).toMatchObject({ _tag: "OwnerGoneError", reason: expect.stringContaining("did not prove it knows the authkey") })
    }))
})

describe("OwnerGoneError", () => {
  it("says the owner exited when it did, even before its parent has reaped it", async () => {
    const tasks = compat.Target.module<typeof Tasks>(new URL("../../fixtures/tasks.ts", import.meta.url))
    const [here, there] = await compat.Pipe()
    // The owner is a grandchild: its parent, stopped, cannot reap it, so it stays a zombie.
    const parent = new compat.Process({ target: tasks.queueOwnerInGrandchild, args: [there] })
    parent.start()
    there.close()
    let queue: InstanceType<typeof compat.Queue> | undefined
    let ownerPid = 0
    for (let i = 0; i < 2; i++) {
      const message = await here.recv()
      if (typeof message === "number") ownerPid = message
      else queue = message as InstanceType<typeof compat.Queue>
    }
    expect(await queue!.qsize()).toBe(0)
    process.kill(parent.pid!, "SIGSTOP")
    try {
      process.kill(ownerPid, "SIGKILL")
      // An item larger than a quarter of the queue's shared ring goes through its owner, as every item does without the addon.
      const error = await queue!.put(new Uint8Array(1 << 20)).then(() => undefined, (error) => error)
      expect(error).toBeInstanceOf(compat.OwnerGoneError)
      expect((error as InstanceType<typeof compat.OwnerGoneError>).reason).toBe("has exited")
    } finally {
      process.kill(parent.pid!, "SIGCONT")
    }
    await parent.join()
    here.close()
    // A SIGKILLed owner cannot remove its socket directory (issue 16, item 25): this test does.
    for (const name of fs.readdirSync(os.tmpdir())) {
      if (name.startsWith(`emp-resources-${ownerPid}-`)) fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true })
    }
  })
})
