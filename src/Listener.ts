/**
 * Listener and Client: connections between any two processes — or a process
 * and a Python program — over TCP, a Unix socket path or a Linux abstract
 * name, with CPython's framing and, given an authkey, its mutual HMAC
 * authentication (see docs/connections.md).
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { Deferred, Effect, type Scope } from "effect"
import type { AuthenticationError, EOFError } from "./Errors.js"
import { OSError } from "./Errors.js"
import * as Serializer from "./Serializer.js"
import { ConnectionImpl } from "./internal/connection.js"
import * as Errors from "./Errors.js"
import * as FramedSocket from "./internal/framedSocket.js"
import { authenticateClient, authenticateListener } from "./internal/handshake.js"
import * as PrivateDirectory from "./internal/privateDirectory.js"
import { type Readiness, type Waitable, WaitableTypeId } from "./internal/waitable.js"
import { LISTENER_ADVICE, markNotData } from "./internal/notData.js"

/** `{ host, port }` for TCP; a path (or `"\0name"`, a Linux abstract name) for a Unix socket. */
export type Address = { readonly host: string; readonly port: number } | string

export type Family = "AF_INET" | "AF_UNIX"

export interface Options<A = unknown, E = never> {
  /** Must match the address when given; inferred otherwise. */
  readonly family?: Family
  /** With an authkey, both sides prove they know it before any message. */
  readonly authkey?: Uint8Array
  /** How `send`/`recv` encode objects; the default codec unless given. */
  readonly serializer?: Serializer.Serializer<A, E>
  /** The largest message accepted; a peer announcing more fails before anything that size is buffered. */
  readonly maxMessageLength?: number
}

export interface ListenerOptions<A = unknown, E = never> extends Options<A, E> {
  /** Pending connections the OS queues before `accept`. */
  readonly backlog?: number
}

export type Connection<A = unknown, E = never> = ConnectionImpl<A, E>

/** Why opening a connection failed: the socket, the handshake, or the peer closing during it. */
export type OpenError = OSError | AuthenticationError | EOFError

/** CPython caps handshake messages at 256 bytes. */
const HANDSHAKE_LIMIT = 256

const familyOf = (address: Address): Family => (typeof address === "string" ? "AF_UNIX" : "AF_INET")

const checkFamily = (address: Address, family: Family | undefined) =>
  family === undefined || family === familyOf(address)
    ? Effect.void
    : Effect.fail(new OSError({ message: `address ${JSON.stringify(address)} is not of family ${family}` }))

const osError = (error: NodeJS.ErrnoException, what: string) =>
  new OSError({ message: `${what}: ${error.message}`, ...(error.code === undefined ? {} : { code: error.code }) })

/** A limit that is no length (negative, NaN, a string) would refuse every message, or none, silently. */
const checkMaxMessageLength = (limit: unknown): Effect.Effect<void, Errors.ValueError | Errors.TypeError> => {
  if (limit === undefined || (Number.isInteger(limit) && (limit as number) >= 0)) return Effect.void
  const message = `maxMessageLength must be a whole number of bytes, 0 or more (omit it for no limit), not ${
    typeof limit === "number" ? limit : typeof limit
  }`
  return Effect.fail(typeof limit === "number" ? new Errors.ValueError({ message }) : new Errors.TypeError({ message }))
}

/**
 * Authenticates (when there is a key), then gives the connection the caller's message limit.
 * @internal also used by the resource server, which accepts outside a Listener
 */
export const open = <A, E>(
  socket: net.Socket,
  options: Options<A, E> | undefined,
  authenticate: typeof authenticateClient
): Effect.Effect<Connection<A, E>, OpenError> =>
  Effect.gen(function*() {
    const framed = yield* FramedSocket.make(socket, { maxMessageLength: HANDSHAKE_LIMIT })
    // The handshake's waits hold the process, as every later one does; an idle connection does not.
    framed.unsafeHoldOnlyWhileWaiting()
    if (options?.authkey !== undefined) {
      yield* authenticate(framed, options.authkey).pipe(Effect.tapError(() => framed.close))
    }
    framed.limit(options?.maxMessageLength ?? Number.MAX_SAFE_INTEGER)
    return new ConnectionImpl(framed, (options?.serializer ?? Serializer.unknown) as Serializer.Serializer<A, E>, true, true)
  })

export class ListenerImpl<A, E> implements Waitable {
  private readonly pending: Array<net.Socket> = []
  private arrived = Deferred.unsafeMake<void>(undefined as never)
  private accepted: Address | null = null

  constructor(
    private readonly server: net.Server,
    readonly address: Address,
    private readonly options: ListenerOptions<A, E> | undefined,
    private readonly ownDirectory: string | undefined
  ) {
    // As in Python, a listener holds the program only while an accept waits on it.
    server.unref()
    server.on("connection", (socket) => {
      socket.on("error", () => {}) // a peer that resets while queued is dropped at accept, not a crash
      socket.unref()
      this.pending.push(socket)
      const waiters = this.arrived
      this.arrived = Deferred.unsafeMake<void>(undefined as never)
      Deferred.unsafeDone(waiters, Effect.void)
    })
  }

  private waits = 0
  /** The next arrival (or close), holding the process alive meanwhile. */
  private get arrival(): Effect.Effect<void> {
    return Effect.acquireUseRelease(
      Effect.sync(() => this.waits++ === 0 && this.server.ref()),
      () => Deferred.await(this.arrived),
      () => Effect.sync(() => --this.waits === 0 && this.server.unref())
    )
  }

  /** Ready when a connection waits to be accepted (or the listener is closed: accept would not wait). */
  get [WaitableTypeId](): Readiness {
    const isReady = Effect.sync(() => this.pending.length > 0 || !this.server.listening)
    const awaitReady: Effect.Effect<void> = Effect.flatMap(isReady, (ready) =>
      ready ? Effect.void : Effect.zipRight(this.arrival, awaitReady))
    return { isReady, awaitReady }
  }

  /** The address of the last accepted peer (null for Unix sockets, whose peers have none). */
  get lastAccepted(): Address | null {
    return this.accepted
  }

  /**
   * The next connection, authenticated when the Listener has an authkey, and
   * closed with the Scope. A failed handshake fails this accept only.
   */
  get accept(): Effect.Effect<Connection<A, E>, OpenError, Scope.Scope> {
    const next: Effect.Effect<net.Socket, OSError> = Effect.suspend(() => {
      if (!this.server.listening) return Effect.fail(new OSError({ message: "the listener is closed" }))
      const socket = this.pending.shift()
      return socket !== undefined ? Effect.succeed(socket) : Effect.zipRight(this.arrival, next)
    })
    // Waiting for a peer, and for its handshake, can be interrupted (a timeout); a socket taken then is dropped.
    return Effect.acquireRelease(
      Effect.interruptible(Effect.flatMap(next, (socket) => {
        this.accepted = socket.remoteAddress === undefined ? null : { host: socket.remoteAddress, port: socket.remotePort! }
        return Effect.onInterrupt(open(socket, this.options, authenticateClient), () => Effect.sync(() => socket.destroy()))
      })),
      (connection) => connection.close
    )
  }

  /** Stops listening at once, as Python's; connections already accepted stay open. */
  get close(): Effect.Effect<void> {
    return Effect.sync(() => {
      for (const socket of this.pending.splice(0)) socket.destroy()
      if (this.server.listening) this.server.close()
      if (this.ownDirectory !== undefined) fs.rmSync(this.ownDirectory, { recursive: true, force: true })
      Deferred.unsafeDone(this.arrived, Effect.void) // wakes waiting accepts, which then see the listener closed
    })
  }
}

markNotData(ListenerImpl, "a Listener", LISTENER_ADVICE)

export type Listener<A = unknown, E = never> = ListenerImpl<A, E>

/**
 * A listening socket, closed with the Scope. Without an address: a Unix socket
 * in a fresh private directory (removed on close), as CPython picks one.
 * An address in use fails with `OSError` (code `EADDRINUSE`).
 */
export const make = <A = unknown, E = never>(
  address?: Address,
  options?: ListenerOptions<A, E>
): Effect.Effect<Listener<A, E>, OSError | Errors.ValueError | Errors.TypeError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const ownDirectory = address === undefined && options?.family !== "AF_INET"
        ? PrivateDirectory.make("listener")
        : undefined
      const where: Address = address ??
        (ownDirectory !== undefined ? path.join(ownDirectory, "listener.sock") : { host: "127.0.0.1", port: 0 })
      yield* checkFamily(where, options?.family)
      yield* checkMaxMessageLength(options?.maxMessageLength)
      const server = net.createServer({ pauseOnConnect: false })
      yield* Effect.async<void, OSError>((resume) => {
        server.once("error", (error: NodeJS.ErrnoException) => {
          if (ownDirectory !== undefined) fs.rmSync(ownDirectory, { recursive: true, force: true })
          resume(Effect.fail(osError(error, `cannot listen on ${JSON.stringify(where)}`)))
        })
        const backlog = options?.backlog ?? 1
        if (typeof where === "string") server.listen({ path: where, backlog }, () => resume(Effect.void))
        else server.listen({ host: where.host, port: where.port, backlog }, () => resume(Effect.void))
      })
      const bound = server.address()
      const actual: Address = typeof bound === "object" && bound !== null ? { host: bound.address, port: bound.port } : where
      return new ListenerImpl<A, E>(server, actual, options, ownDirectory)
    }),
    (listener) => listener.close
  )

/** Connects to a Listener (this library's or Python's), closed with the Scope. */
export const client = <A = unknown, E = never>(
  address: Address,
  options?: Options<A, E>
): Effect.Effect<Connection<A, E>, OpenError | Errors.ValueError | Errors.TypeError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      yield* checkFamily(address, options?.family)
      yield* checkMaxMessageLength(options?.maxMessageLength)
      const socket = yield* Effect.async<net.Socket, OSError>((resume) => {
        const socket = typeof address === "string" ? net.connect({ path: address }) : net.connect(address.port, address.host)
        socket.once("connect", () => resume(Effect.succeed(socket)))
        socket.once("error", (error) => resume(Effect.fail(osError(error, `cannot connect to ${JSON.stringify(address)}`))))
      })
      return yield* open(socket, options, authenticateListener)
    }),
    (connection) => connection.close
  )
