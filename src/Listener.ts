/**
 * Listener and Client: connections between any two processes — or a process
 * and a Python program — over TCP, a Unix socket path or a Linux abstract
 * name, with CPython's framing and, given an authkey, its mutual HMAC
 * authentication (see docs/connections.md).
 *
 * @since 0.1.0
 */
import type { Effect, Scope } from "effect"
import type { Connection, Waitable } from "./Connection.js"
import type { AuthenticationError, EOFError, OSError, TypeError, ValueError } from "./Errors.js"
import * as internalListener from "./internal/connection/listener.js"
import * as internalOpen from "./internal/connection/open.js"
import { authenticateListener } from "./internal/wire/handshake.js"
import type * as Serializer from "./Serializer.js"

/**
 * `{ host, port }` for TCP; a path (or `"\0name"`, a Linux abstract name) for a Unix socket.
 *
 * @since 0.1.0
 * @category models
 */
export type Address = { readonly host: string; readonly port: number } | string

/**
 * @since 0.1.0
 * @category models
 */
export type Family = "AF_INET" | "AF_UNIX"

/**
 * @since 0.1.0
 * @category models
 */
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

/**
 * @since 0.1.0
 * @category models
 */
export interface ListenerOptions<A = unknown, E = never> extends Options<A, E> {
  /** Pending connections the OS queues before `accept`. */
  readonly backlog?: number
}

/**
 * Why opening a connection failed: the socket, the handshake, or the peer closing during it.
 *
 * @since 0.1.0
 * @category errors
 */
export type OpenError = OSError | AuthenticationError | EOFError

/**
 * A listening socket. Peers' handshakes run as they connect; `accept` takes
 * the next one done. Ready for `wait` when a connection waits to be accepted.
 *
 * @since 0.1.0
 * @category models
 */
export interface Listener<A = unknown, E = never> extends Waitable {
  /** The address listened on (with the port picked, for port 0). */
  readonly address: Address
  /** The address of the last accepted peer (null for Unix sockets, whose peers have none). */
  readonly lastAccepted: Address | null
  /**
   * The next connection, authenticated when the Listener has an authkey, and
   * closed with the Scope. A failed handshake fails one accept, as in Python.
   */
  readonly accept: Effect.Effect<Connection<A, E>, OpenError, Scope.Scope>
  /** Stops listening at once, as Python's; connections already accepted stay open. */
  readonly close: Effect.Effect<void>
}

/**
 * A listening socket, closed with the Scope. Without an address: a Unix socket
 * in a fresh private directory (removed on close), as CPython picks one.
 * An address in use fails with `OSError` (code `EADDRINUSE`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: <A = unknown, E = never>(
  address?: Address,
  options?: ListenerOptions<A, E>
) => Effect.Effect<Listener<A, E>, OSError | ValueError | TypeError, Scope.Scope> = internalListener.make

/**
 * Connects to a Listener (this library's or Python's), closed with the Scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const client = <A = unknown, E = never>(
  address: Address,
  options?: Options<A, E>
): Effect.Effect<Connection<A, E>, OpenError | ValueError | TypeError, Scope.Scope> =>
  internalOpen.connectWith(address, options, authenticateListener)
