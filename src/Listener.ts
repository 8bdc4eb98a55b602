/**
 * Listener and Client: connections between any two processes — or a process
 * and a Python program — over TCP, a Unix socket path or a Linux abstract
 * name, with CPython's framing and, given an authkey, its mutual HMAC
 * authentication (see docs/connections.md).
 *
 * @since 0.1.0
 */
import * as net from "node:net"
import * as path from "node:path"
import { Deferred, Effect, type Scope } from "effect"
import type { AuthenticationError, EOFError } from "./Errors.js"
import { OSError, ValueError } from "./Errors.js"
import * as Serializer from "./Serializer.js"
import { ConnectionImpl } from "./internal/connection/connection.js"
import * as Errors from "./Errors.js"
import * as FramedSocket from "./internal/wire/framedSocket.js"
import { Admission } from "./internal/wire/admission.js"
import { authenticateClient, authenticateListener, authkeyProblem } from "./internal/wire/handshake.js"
import * as PrivateDirectory from "./internal/process/privateDirectory.js"
import { type Readiness, type Waitable, WaitableTypeId } from "./internal/connection/waitable.js"
import { LISTENER_ADVICE, markNotData } from "./internal/codec/notData.js"

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

/**
 * What is wrong with an address given by the caller, if anything. Anything
 * else once made Node listen on every interface (an object without host and port).
 */
export const addressProblem = (address: unknown): string | undefined => {
  if (typeof address === "string") return address === "" ? "an empty socket path" : undefined
  if (typeof address !== "object" || address === null || Array.isArray(address)) return describeBad(address)
  const { host, port } = address as { host?: unknown; port?: unknown }
  if (typeof host !== "string") return `a host that is ${describeBad(host)}, not a string ("127.0.0.1", or "" for every interface)`
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
    return `a port that is ${describeBad(port)}, not an integer from 0 to 65535 (0 picks a free one)`
  }
  return undefined
}

const describeBad = (value: unknown): string =>
  Array.isArray(value) ? `an array of ${value.length}` : value === null ? "null" : `${typeof value} ${String(value)}`.slice(0, 60)

/** The caller's address and options, checked: a bad one is a ValueError at the call, never a default. */
const checkArguments = (address: unknown, options: Options<any, any> | undefined): Effect.Effect<void, ValueError | Errors.TypeError> => {
  const badAddress = address === undefined ? undefined : addressProblem(address)
  if (badAddress !== undefined) {
    return Effect.fail(new ValueError({
      message: `address type unrecognized: got ${badAddress}; give { host, port } for TCP or a path for a Unix socket`
    }))
  }
  const badKey = authkeyProblem(options?.authkey)
  return badKey === undefined ? Effect.void : Effect.fail(new Errors.TypeError({ message: badKey }))
}

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
 * With `holdDuringHandshake` false the handshake's waits do not keep the process alive
 * (a Listener's, run before anyone accepts); the connection's later waits do either way.
 * @internal also used by the resource server, which accepts outside a Listener
 */
export const open = <A, E>(
  socket: net.Socket,
  options: Options<A, E> | undefined,
  authenticate: (channel: FramedSocket.FramedSocket, authkey: Uint8Array) => Effect.Effect<unknown, OpenError>,
  holdDuringHandshake = true
): Effect.Effect<Connection<A, E>, OpenError> =>
  Effect.gen(function*() {
    const framed = yield* FramedSocket.make(socket, { maxMessageLength: HANDSHAKE_LIMIT })
    // The handshake's waits hold the process, as every later one does; an idle connection does not.
    if (holdDuringHandshake) framed.unsafeHoldOnlyWhileWaiting()
    if (options?.authkey !== undefined) {
      yield* authenticate(framed, options.authkey).pipe(Effect.tapError(() => framed.close))
    }
    if (!holdDuringHandshake) framed.unsafeHoldOnlyWhileWaiting()
    framed.limit(options?.maxMessageLength ?? Number.MAX_SAFE_INTEGER)
    return new ConnectionImpl(framed, (options?.serializer ?? Serializer.unknown) as Serializer.Serializer<A, E>, true, true)
  })

/** A handshake's outcome, waiting for `accept`: the connection and its peer's address, or why it failed. */
type Arrival<A, E> =
  | { readonly connection: Connection<A, E>; readonly peer: Address | null }
  | { readonly failure: OpenError }

/**
 * Failed handshakes kept for `accept` to report, at most: past this, the oldest
 * are forgotten, so a flood of bad peers costs no memory while nobody accepts.
 */
const KEPT_FAILURES = 64

export class ListenerImpl<A, E> implements Waitable {
  /** Handshakes done, in the order they ended, waiting for `accept`. */
  private readonly arrivals: Array<Arrival<A, E>> = []
  private failures = 0
  private arrived = Deferred.unsafeMake<void>(undefined as never)
  private accepted: Address | null = null
  private readonly admission = new Admission()

  constructor(
    private readonly server: net.Server,
    readonly address: Address,
    private readonly options: ListenerOptions<A, E> | undefined,
    private readonly ownDirectory: string | undefined
  ) {
    // As in Python, a listener holds the program only while an accept waits on it.
    server.unref()
    server.on("connection", (socket) => {
      socket.on("error", () => {}) // a peer that resets during its handshake fails it, not the process
      socket.unref()
      const peer: Address | null = socket.remoteAddress === undefined ? null : { host: socket.remoteAddress, port: socket.remotePort! }
      // Every peer's handshake starts at once, beside the others (see admission.ts): one that
      // never answers holds only its own slot; `accept` takes the handshakes that are done.
      const handshake = this.admission.run(socket, open(socket, this.options, authenticateClient, false))
      Effect.runFork(Effect.either(handshake)).addObserver((exit) => {
        if (exit._tag !== "Success") return
        if (!this.server.listening) {
          if (exit.value._tag === "Right") Effect.runFork(exit.value.right.close)
          return
        }
        this.arrive(exit.value._tag === "Right" ? { connection: exit.value.right, peer } : { failure: exit.value.left })
      })
    })
  }

  private arrive(arrival: Arrival<A, E>): void {
    if ("failure" in arrival && ++this.failures > KEPT_FAILURES) {
      this.arrivals.splice(this.arrivals.findIndex((kept) => "failure" in kept), 1)
      this.failures--
    }
    this.arrivals.push(arrival)
    const waiters = this.arrived
    this.arrived = Deferred.unsafeMake<void>(undefined as never)
    Deferred.unsafeDone(waiters, Effect.void)
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

  /** Ready when a handshake is done, waiting to be accepted (or the listener is closed: accept would not wait). */
  get [WaitableTypeId](): Readiness {
    const isReady = Effect.sync(() => this.arrivals.length > 0 || !this.server.listening)
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
   * closed with the Scope. A failed handshake fails one accept, as in Python.
   * Handshakes run as peers connect, not in `accept`: a peer that never answers
   * is no one's wait (see admission.ts).
   */
  get accept(): Effect.Effect<Connection<A, E>, OpenError, Scope.Scope> {
    const next: Effect.Effect<Connection<A, E>, OpenError> = Effect.suspend(() => {
      if (!this.server.listening) return Effect.fail(new OSError({ message: "the listener is closed" }))
      const arrival = this.arrivals.shift()
      if (arrival === undefined) return Effect.zipRight(this.arrival, next)
      if ("failure" in arrival) {
        this.failures--
        return Effect.fail(arrival.failure)
      }
      this.accepted = arrival.peer
      return Effect.succeed(arrival.connection)
    })
    // Waiting can be interrupted (a timeout); nothing is taken then.
    return Effect.acquireRelease(Effect.interruptible(next), (connection) => connection.close)
  }

  /** Stops listening at once, as Python's; connections already accepted stay open. */
  get close(): Effect.Effect<void> {
    return Effect.sync(() => {
      this.admission.closeAll()
      for (const arrival of this.arrivals.splice(0)) if ("connection" in arrival) Effect.runFork(arrival.connection.close)
      this.failures = 0
      if (this.server.listening) this.server.close()
      if (this.ownDirectory !== undefined) PrivateDirectory.remove(this.ownDirectory)
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
      yield* checkArguments(address, options)
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
          if (ownDirectory !== undefined) PrivateDirectory.remove(ownDirectory)
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
): Effect.Effect<Connection<A, E>, OpenError | Errors.ValueError | Errors.TypeError, Scope.Scope> => connectWith(address, options, authenticateListener)

/** @internal `client` with another handshake (the resource protocol's own, see handshake.ts) */
export const connectWith = <A = unknown, E = never>(
  address: Address,
  options: Options<A, E> | undefined,
  authenticate: Parameters<typeof open>[2]
): Effect.Effect<Connection<A, E>, OpenError | Errors.ValueError | Errors.TypeError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      yield* checkArguments(address, options)
      yield* checkFamily(address, options?.family)
      yield* checkMaxMessageLength(options?.maxMessageLength)
      const socket = yield* Effect.async<net.Socket, OSError>((resume) => {
        const socket = typeof address === "string" ? net.connect({ path: address }) : net.connect(address.port, address.host)
        socket.once("connect", () => resume(Effect.succeed(socket)))
        socket.once("error", (error) => resume(Effect.fail(osError(error, `cannot connect to ${JSON.stringify(address)}`))))
      })
      return yield* open(socket, options, authenticate)
    }),
    (connection) => connection.close
  )
