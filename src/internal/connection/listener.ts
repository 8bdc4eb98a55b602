/**
 * A Listener: a listening socket whose peers' handshakes run as they connect
 * (see admission.ts), each done one waiting for `accept`.
 */
import * as net from "node:net"
import * as path from "node:path"
import { Deferred, Effect, type Scope } from "effect"
import type { Connection } from "../../Connection.js"
import * as Errors from "../../Errors.js"
import type { Address, Listener, ListenerOptions, OpenError } from "../../Listener.js"
import { LISTENER_ADVICE, markNotData } from "../codec/notData.js"
import * as PrivateDirectory from "../thisProcess/privateDirectory.js"
import { Admission } from "../wire/admission.js"
import { authenticateClient } from "../wire/handshake.js"
import { checkArguments, open, osError } from "./open.js"
import { type Readiness, WaitableTypeId } from "./waitable.js"

/** A handshake's outcome, waiting for `accept`: the connection and its peer's address, or why it failed. */
type Arrival<A, E> =
  | { readonly connection: Connection<A, E>; readonly peer: Address | null }
  | { readonly failure: OpenError }

/**
 * Failed handshakes kept for `accept` to report, at most: past this, the oldest
 * are forgotten, so a flood of bad peers costs no memory while nobody accepts.
 */
const KEPT_FAILURES = 64

export class ListenerImpl<A, E> implements Listener<A, E> {
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

  get lastAccepted(): Address | null {
    return this.accepted
  }

  // Handshakes run as peers connect, not in `accept`: a peer that never answers is no one's wait.
  get accept(): Effect.Effect<Connection<A, E>, OpenError, Scope.Scope> {
    const next: Effect.Effect<Connection<A, E>, OpenError> = Effect.suspend(() => {
      if (!this.server.listening) return Effect.fail(new Errors.OSError({ message: "the listener is closed" }))
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

export const make = <A = unknown, E = never>(
  address?: Address,
  options?: ListenerOptions<A, E>
): Effect.Effect<Listener<A, E>, Errors.OSError | Errors.ValueError | Errors.TypeError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      yield* checkArguments(address, options)
      const ownDirectory = address === undefined && options?.family !== "AF_INET"
        ? PrivateDirectory.make("listener")
        : undefined
      const where: Address = address ??
        (ownDirectory !== undefined ? path.join(ownDirectory, "listener.sock") : { host: "127.0.0.1", port: 0 })
      const server = net.createServer({ pauseOnConnect: false })
      yield* Effect.async<void, Errors.OSError>((resume) => {
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
