/**
 * The resource server: how a process serves the primitives it created to the
 * other processes they reach (DESIGN.md, "Shared primitives"). It starts on the
 * first primitive that leaves the process, listening on a Unix socket in a
 * private 0700 directory, and authenticates every client with the family's
 * authkey (children inherit it). It never holds the process open.
 *
 * Wire (the default codec over CPython framing), one connection per client process:
 *   client → server  ["call", id, object, method, args, caller]   ["cancel", id]
 *                    ["post", id, object, method, args, caller]   (a call whose answer nobody awaits)
 *   server → client  ["ok", id, value]                           ["err", id, error]
 *                    ["wait", id]   (the call waits, e.g. for a lock another holds: do not spin for it)
 *                    ["cancelled", id]   (a cancelled call ended without a result)
 *                    ["failed", object, error, id]   (post `id` failed: its sender fails its next use of `object`)
 *                    ["recall", object]   (give back the lease of `object`: see lockLease.ts)
 * A cancelled call is always answered once it has ended, so that its caller can
 * undo a success that came first, and go on only after the owner is done with it.
 * Calls run concurrently; a cancelled call is interrupted (a wait is withdrawn);
 * a client that goes away has all its calls interrupted.
 */
import { randomBytes } from "node:crypto"
import * as net from "node:net"
import { availableParallelism, tmpdir } from "node:os"
import * as path from "node:path"
import { Cause, Effect, Either, Exit, Fiber, Schema } from "effect"
import { open } from "../connection/open.js"
import type { ConnectionImpl } from "../connection/connection.js"
import { SPIN_MS } from "../wire/synchronousRead.js"
import { SpinPolicy } from "../wire/spinPolicy.js"
import { familyAuthkey } from "../thisProcess/currentProcess.js"
import { OSError, ValueError } from "../../Errors.js"
import type { Address } from "../../Listener.js"
import { Admission } from "../wire/admission.js"
import type { FramedSocket } from "../wire/framedSocket.js"
import { acceptResourceClient } from "../wire/handshake.js"
import * as PrivateDirectory from "../thisProcess/privateDirectory.js"
import { encodeError } from "../codec/errors.js"

/** The client process a call came from, as the primitive sees it: it may be sent notices. */
export interface Client {
  /** Tells the client process something about `object` unasked (a lease's recall). */
  readonly notice: (object: string, what: "recall") => void
}

/** What a primitive gives the server: its operations, by name. */
export interface Served {
  /** "Lock", "Semaphore" …, for messages. */
  readonly kind: string
  /**
   * Runs `method` for `caller` at once: an Exit when it is done, else an Effect
   * that waits. Unknown methods and bad arguments fail with a typed error.
   * `client` is the process that called; none for the owner's own calls.
   */
  readonly unsafeCall: (
    method: string,
    args: ReadonlyArray<unknown>,
    caller: string,
    client?: Client
  ) => Effect.Effect<unknown, unknown>
  /**
   * A waiting call whose caller's process has gone ended with `exit`: give back
   * what it took for nobody (a lock it acquired, or took back after a wait).
   */
  readonly abandon?: (method: string, caller: string, exit: Exit.Exit<unknown, unknown>) => void
  /**
   * The process `pid` has gone (its connection, `client`, closed): release
   * what its callers still hold (a lock), so that the others are not held up
   * for ever.
   */
  readonly clientGone?: (pid: string, client: Client) => void
  /** It is served no more (see `unregister`). */
  readonly unregistered?: () => void
}

/** The process part of a caller ("tag" or "tag:owner", see primitive.ts). */
export const processOf = (caller: string): string => {
  const colon = caller.indexOf(":")
  return colon < 0 ? caller : caller.slice(0, colon)
}

/**
 * The wire's messages, as Schemas: every message received is checked before it
 * is used, so that a peer that knows the key but sends nonsense (a bug, another
 * version, an attacker) costs only its own connection, never the process.
 */
const CallId = Schema.Number
export const Request = Schema.Union(
  Schema.Tuple(Schema.Literal("call", "post"), CallId, Schema.String, Schema.String, Schema.Array(Schema.Unknown), Schema.String),
  Schema.Tuple(Schema.Literal("cancel"), CallId)
)
export type Request = typeof Request.Type
export const Reply = Schema.Union(
  Schema.Tuple(Schema.Literal("ok", "err"), CallId, Schema.Unknown),
  Schema.Tuple(Schema.Literal("wait", "cancelled"), CallId),
  Schema.Tuple(Schema.Literal("failed"), Schema.String, Schema.Unknown, CallId),
  Schema.Tuple(Schema.Literal("recall"), Schema.String)
)
export type Reply = typeof Reply.Type

/**
 * `Schema.is(Request)` and `Schema.is(Reply)`, written out: they run on every
 * call, where the Schema's own check costs 3–8 µs (a round trip is ~20 µs).
 * A property test holds them equal to the Schemas.
 */
const isCallId = (value: unknown): value is number => typeof value === "number"
export const isRequest = (value: unknown): value is Request => {
  if (!Array.isArray(value)) return false
  const kind = value[0]
  if (kind === "call" || kind === "post") {
    return value.length === 6 && isCallId(value[1]) && typeof value[2] === "string" && typeof value[3] === "string" &&
      Array.isArray(value[4]) && typeof value[5] === "string"
  }
  return kind === "cancel" && value.length === 2 && isCallId(value[1])
}
export const isReply = (value: unknown): value is Reply => {
  if (!Array.isArray(value)) return false
  switch (value[0]) {
    case "ok":
    case "err":
      return value.length === 3 && isCallId(value[1])
    case "wait":
    case "cancelled":
      return value.length === 2 && isCallId(value[1])
    case "failed":
      return value.length === 4 && typeof value[1] === "string" && isCallId(value[3])
    case "recall":
      return value.length === 2 && typeof value[1] === "string"
    default:
      return false
  }
}

const objects = new Map<string, Served>()
/** The handshakes of clients of the family's server (see admission.ts: bounded, each with a time limit). */
const familyAdmission = new Admission()
let nextObject = 0
let serving: {
  readonly address: string
  readonly directory: string
  readonly server: net.Server
  readonly clients: Set<net.Socket>
} | undefined

/** Makes `served` reachable by id; the id names it on the wire. */
export const register = (served: Served): string => {
  // Unguessable: a client that may reach this server (over TCP, a remote manager's) reaches
  // only the objects it was handed, not the others this process serves.
  const id = `${served.kind}-${process.pid}-${++nextObject}-${randomBytes(6).toString("hex")}`
  objects.set(id, served)
  return id
}

/** Makes `served` reachable under a well-known id (a manager's factory, which clients find by address alone). */
export const registerAs = (id: string, served: Served): void => {
  objects.set(id, served)
}

/** Stops serving `id`; with nothing left to serve, the server closes (it starts again when needed). */
export const unregister = (id: string): void => {
  const served = objects.get(id)
  objects.delete(id)
  served?.unregistered?.()
  if (objects.size === 0 && serving !== undefined) {
    const { server, directory, clients } = serving
    serving = undefined
    server.close()
    // Calls the last object's end has just answered (a queue's waiting gets …) still get their replies.
    for (const socket of clients) (closeWhenAnswered.get(socket) ?? (() => socket.destroy()))()
    PrivateDirectory.remove(directory)
  }
}

export const lookup = (id: string): Served | undefined => objects.get(id)

/**
 * The server's address, starting it if needed. Listening completes a moment
 * later; clients that come too early retry while this process is alive.
 */
export const address = (): Address => {
  if (advertised !== undefined) return advertised
  if (serving !== undefined) return serving.address
  // Nothing to serve (a reference to an object already disposed): a server started now would
  // never close, as no unregister follows. The reference names where none listens, and the
  // process it reaches finds its owner has closed it.
  if (objects.size === 0) return path.join(tmpdir(), `emp-nothing-served-${process.pid}`, "s")
  const directory = PrivateDirectory.make("resources")
  const where = path.join(directory, "s")
  const clients = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    socket.unref()
    socket.on("error", () => {})
    clients.add(socket)
    socket.on("close", () => clients.delete(socket))
    Effect.runFork(serveClient(socket, familyAuthkey(), familyAdmission, addressKey(where)))
  })
  server.on("error", () => {})
  server.listen(where)
  server.unref()
  serving = { address: where, directory, server, clients }
  return where
}

/** Whether `address` is where this process serves (its Unix socket, or its TCP address). */
export const servesAt = (address: Address): boolean =>
  typeof address === "string"
    ? address === serving?.address
    : advertised !== undefined && address.host === advertised.host && address.port === advertised.port

/** The TCP address every reference of this process names, once it serves a manager over TCP. */
let advertised: { readonly host: string; readonly port: number } | undefined

/**
 * Serves this process's objects over TCP too, to clients that know `authkey`
 * (a remote manager's), and from then on names that address in every
 * reference, so that they can be reached from other machines. Port 0 picks a
 * free port. Closed with the returned finalizer.
 */
export const serveOverTcp = (
  host: string,
  port: number,
  authkey: Uint8Array
): Effect.Effect<
  {
    readonly address: { readonly host: string; readonly port: number }
    readonly close: () => void
    /** Whether listening keeps this process alive (it does at first). */
    readonly holdProcess: (hold: boolean) => void
  },
  OSError
> =>
  Effect.async((resume) => {
    const key = Buffer.from(authkey)
    const admission = new Admission()
    /** What this server calls itself in the handshake: the address its references name. */
    let name = ""
    const clients = new Set<net.Socket>()
    const server = net.createServer((socket) => {
      socket.on("error", () => {})
      clients.add(socket)
      socket.on("close", () => clients.delete(socket))
      // Listening is done before any client connects: `name` is set by then.
      Effect.runFork(serveClient(socket, key, admission, name))
    })
    server.once("error", (error: NodeJS.ErrnoException) =>
      resume(Effect.fail(new OSError({ code: error.code ?? "EIO", message: `cannot listen on ${host}:${port}: ${error.message}` }))))
    server.listen(port, host, () => {
      const bound = server.address() as net.AddressInfo
      advertised = { host: host === "" || host === "0.0.0.0" ? "127.0.0.1" : host, port: bound.port }
      name = addressKey(advertised)
      resume(Effect.succeed({
        address: advertised,
        holdProcess: (hold) => {
          if (hold) server.ref()
          else server.unref()
        },
        close: () => {
          advertised = undefined
          server.close()
          for (const socket of clients) socket.destroy()
        }
      }))
    })
  })

/** How to close each client's connection once its running calls have answered. */
const closeWhenAnswered = new Map<net.Socket, () => void>()

/** The connections of this process's clients, which the server reads for more calls after answering. */
const connections = new Set<ConnectionImpl<unknown, unknown>>()

/**
 * After answering, the next call usually follows within microseconds: once the
 * messages that came together are handled, the server reads every client's
 * socket itself for up to 50 µs (each call that arrives starts the window
 * again), a few rounds at most before the event loop gets its turn. Only while
 * the server and its clients fit on the CPUs, no call waits (no contention), and
 * recent windows were answered (see SpinPolicy): otherwise reading would keep a
 * core from a process that has work to do.
 */
const CPUS = availableParallelism()
const spinPolicy = new SpinPolicy()
let waitingCalls = 0
let readQueued = false
let rounds = 0
const readForMore = () => {
  if (readQueued || waitingCalls > 0 || connections.size + 1 > CPUS || !spinPolicy.shouldSpin()) return
  readQueued = true // until the reading below is over: calls it delivers do not queue more
  process.nextTick(() => {
    if (rounds++ === 0) setImmediate(() => (rounds = 0))
    // Answers go out now: their callers' next calls are what the reading waits for.
    for (const connection of connections) connection.unsafeFlush()
    let start = performance.now()
    while (rounds <= 16 && performance.now() - start < SPIN_MS) {
      let arrived = false
      for (const connection of connections) if (connection.unsafePoll()) arrived = true
      // Each window is a spin: one that ends empty is a miss (see SpinPolicy), and the last one.
      if (!arrived && performance.now() - start >= SPIN_MS) spinPolicy.ended(false)
      if (arrived) {
        spinPolicy.ended(true)
        for (const connection of connections) connection.unsafeFlush()
        rounds++
        start = performance.now()
      }
    }
    readQueued = false
  })
}

/** The connection whose messages are being handled (its socket is not read again meanwhile). */
let delivering: ConnectionImpl<unknown, unknown> | undefined
let catchingUp = false

/**
 * Reads what every other client has already sent, before an answer that
 * reports the state (a lock found held, a value): a client posts its releases
 * (see resourceClient), so a release may still sit unread in this process's
 * socket when another process, told of it by other means, asks. Reading first
 * keeps cause before effect, as Python's synchronous release does.
 */
export const catchUp = (): void => {
  if (catchingUp || connections.size === 0) return
  catchingUp = true
  try {
    for (const connection of connections) if (connection !== delivering) connection.unsafePoll()
  } finally {
    catchingUp = false
  }
}

let caughtUpThisTick = false

/**
 * `catchUp`, at most once a tick: for the owner's own operations that must come
 * after what others sent before them (a put after a producer's exit was seen:
 * Python's producer flushed into the pipe before it exited).
 */
export const catchUpOnce = (): void => {
  if (caughtUpThisTick || connections.size === 0) return
  caughtUpThisTick = true
  process.nextTick(() => (caughtUpThisTick = false))
  catchUp()
}

/**
 * An answer given at once that reports state (`found` says which answers do:
 * a lock found held, a queue found empty) is given only after `catchUp`: the
 * attempt is made again once what other processes sent is in.
 */
export const afterCatchUp = <A, E>(attempt: () => Effect.Effect<A, E>, found: (result: Effect.Effect<A, E>) => boolean) => {
  const first = attempt()
  if (!found(first)) return first
  catchUp()
  return attempt()
}

/**
 * How a server's address is written where a channel or the handshake names it
 * (`name`: the address its references name, which clients check they meant).
 */
export const addressKey = (address: Address): string =>
  typeof address === "string" ? address : `tcp:${address.host}:${address.port}`

const serveClient = (socket: net.Socket, authkey: Buffer, admission: Admission, name: string): Effect.Effect<void> =>
  Effect.gen(function*() {
    // An unauthenticated client holds only its slot, for a limited time, and never the process.
    const authenticate = (channel: FramedSocket, key: Uint8Array) => acceptResourceClient(channel, key, name)
    const connection = yield* admission.run(socket, open(socket, { authkey }, authenticate, false))
    const running = new Map<number, Fiber.RuntimeFiber<unknown, unknown>>()
    let gone = false
    let closing = false
    const closeIfAnswered = () => {
      if (closing && running.size === 0) Effect.runFork(connection.close)
    }
    closeWhenAnswered.set(socket, () => {
      closing = true
      // The answers are sent at the end of the tick at the earliest: close after them.
      setImmediate(closeIfAnswered)
    })
    socket.once("close", () => closeWhenAnswered.delete(socket))
    const reply = (message: Reply) => {
      const sent = connection.unsafeSend(message)
      if (!Exit.isExit(sent)) Effect.runFork(Effect.ignore(sent))
    }
    const client: Client = {
      notice: (object, what) => {
        if (gone) return
        reply([what, object])
        connection.unsafeFlush()
      }
    }
    const answer = (id: number, exit: Exit.Exit<unknown, unknown>) =>
      Exit.isSuccess(exit)
        ? reply(["ok", id, exit.value])
        : Exit.isInterrupted(exit)
        ? reply(["cancelled", id])
        : reply(["err", id, encodeError(Cause.squash(exit.cause))])
    const handle = (request: Request): void => {
      if (request[0] === "cancel") {
        const fiber = running.get(request[1])
        if (fiber !== undefined) Effect.runFork(Fiber.interrupt(fiber)) // answered when it has ended
        return
      }
      const [kind, id, objectId, method, args, caller] = request
      if (caller !== "") callerPids.add(processOf(caller))
      const respond = kind === "call" ? answer : (_: number, exit: Exit.Exit<unknown, unknown>) => {
        if (Exit.isFailure(exit) && !Exit.isInterrupted(exit)) reply(["failed", objectId, encodeError(Cause.squash(exit.cause)), id])
      }
      const served = objects.get(objectId)
      if (served === undefined) {
        return respond(id, Exit.fail(new ValueError({ message: `${objectId} is no longer served by this process` })))
      }
      let result: Effect.Effect<unknown, unknown>
      try {
        result = served.unsafeCall(method, args, caller, client)
      } catch (defect) {
        result = Exit.die(defect)
      }
      if (Exit.isExit(result)) return respond(id, result)
      // A call that waits runs in its own fiber, until it ends or is cancelled; its caller hears
      // at once that it waits, so that it sleeps rather than reads for the answer.
      if (kind === "call") reply(["wait", id])
      const fiber = Effect.runFork(result)
      running.set(id, fiber)
      waitingCalls++
      fiber.addObserver((exit) => {
        waitingCalls--
        running.delete(id)
        if (gone) served.abandon?.(method, caller, exit)
        else respond(id, exit)
        if (closing) setImmediate(closeIfAnswered)
      })
    }
    // A client that goes away has its waiting calls withdrawn, and what they took given back.
    /** The processes whose callers used this connection (callers are "tag" or "tag:owner"). */
    const callerPids = new Set<string>()
    const closed = () => {
      if (gone) return
      gone = true
      connections.delete(connection)
      for (const fiber of running.values()) Effect.runFork(Fiber.interrupt(fiber))
      Effect.runFork(connection.close)
      for (const pid of callerPids) for (const served of objects.values()) served.clientGone?.(pid, client)
    }
    connections.add(connection)
    connection.unsafeDeliver((message) => {
      // Not a request: the client is broken, and only its connection ends (its calls with it).
      if (Either.isLeft(message) || !isRequest(message.right)) return closed()
      const outer = delivering
      delivering = connection
      try {
        handle(message.right)
      } finally {
        delivering = outer
      }
      readForMore()
    }, closed)
  }).pipe(Effect.ignore)
