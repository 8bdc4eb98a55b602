/**
 * Opening a connection over a socket, either way it arrives: accepted (a
 * Listener's, or a resource server's) or dialed (`Listener.client`, a
 * resource channel) — the caller's arguments checked, the handshake run, the
 * caller's message limit set.
 */
import * as net from "node:net"
import { Effect, type Scope } from "effect"
import * as Errors from "../../Errors.js"
import type { Address, Family, OpenError, Options } from "../../Listener.js"
import * as Serializer from "../../Serializer.js"
import * as FramedSocket from "../wire/framedSocket.js"
import { authkeyProblem } from "../wire/handshake.js"
import { ConnectionImpl } from "./connection.js"

/** CPython caps handshake messages at 256 bytes. */
const HANDSHAKE_LIMIT = 256

/** How one side proves itself to the other (see handshake.ts), over the framed socket. */
export type Authenticate = (channel: FramedSocket.FramedSocket, authkey: Uint8Array) => Effect.Effect<unknown, OpenError>

export const familyOf = (address: Address): Family => (typeof address === "string" ? "AF_UNIX" : "AF_INET")

const describeBad = (value: unknown): string =>
  Array.isArray(value) ? `an array of ${value.length}` : value === null ? "null" : `${typeof value} ${String(value)}`.slice(0, 60)

/**
 * What is wrong with an address given by the caller, if anything. Anything
 * else once made Node listen on every interface (an object without host and port).
 */
const addressProblem = (address: unknown): string | undefined => {
  if (typeof address === "string") return address === "" ? "an empty socket path" : undefined
  if (typeof address !== "object" || address === null || Array.isArray(address)) return describeBad(address)
  const { host, port } = address as { host?: unknown; port?: unknown }
  if (typeof host !== "string") return `a host that is ${describeBad(host)}, not a string ("127.0.0.1", or "" for every interface)`
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
    return `a port that is ${describeBad(port)}, not an integer from 0 to 65535 (0 picks a free one)`
  }
  return undefined
}

/** A limit that is no length (negative, NaN, a string) would refuse every message, or none, silently. */
const maxMessageLengthProblem = (limit: unknown): Errors.ValueError | Errors.TypeError | undefined => {
  if (limit === undefined || (Number.isInteger(limit) && (limit as number) >= 0)) return undefined
  const message = `maxMessageLength must be a whole number of bytes, 0 or more (omit it for no limit), not ${
    typeof limit === "number" ? limit : typeof limit
  }`
  return typeof limit === "number" ? new Errors.ValueError({ message }) : new Errors.TypeError({ message })
}

/**
 * The caller's address and options, checked: a bad one fails at the call, never becomes a default.
 * `address` undefined: a listener's own (`resolve` gives it); it is checked against the family then.
 */
export const checkArguments = (
  address: unknown,
  options: Options<any, any> | undefined
): Effect.Effect<void, Errors.OSError | Errors.ValueError | Errors.TypeError> => {
  const badAddress = address === undefined ? undefined : addressProblem(address)
  if (badAddress !== undefined) {
    return Effect.fail(new Errors.ValueError({
      message: `address type unrecognized: got ${badAddress}; give { host, port } for TCP or a path for a Unix socket`
    }))
  }
  const badKey = authkeyProblem(options?.authkey)
  if (badKey !== undefined) return Effect.fail(new Errors.TypeError({ message: badKey }))
  if (address !== undefined && options?.family !== undefined && options.family !== familyOf(address as Address)) {
    return Effect.fail(new Errors.OSError({ message: `address ${JSON.stringify(address)} is not of family ${options.family}` }))
  }
  const badLimit = maxMessageLengthProblem(options?.maxMessageLength)
  return badLimit === undefined ? Effect.void : Effect.fail(badLimit)
}

export const osError = (error: NodeJS.ErrnoException, what: string) =>
  new Errors.OSError({ message: `${what}: ${error.message}`, ...(error.code === undefined ? {} : { code: error.code }) })

/**
 * Authenticates (when there is a key), then gives the connection the caller's message limit.
 * With `holdDuringHandshake` false the handshake's waits do not keep the process alive
 * (a Listener's, run before anyone accepts); the connection's later waits do either way.
 */
export const open = <A, E>(
  socket: net.Socket,
  options: Options<A, E> | undefined,
  authenticate: Authenticate,
  holdDuringHandshake = true
): Effect.Effect<ConnectionImpl<A, E>, OpenError> =>
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

/** Connects to `address` and opens a connection there with `authenticate`, closed with the Scope. */
export const connectWith = <A = unknown, E = never>(
  address: Address,
  options: Options<A, E> | undefined,
  authenticate: Authenticate
): Effect.Effect<ConnectionImpl<A, E>, OpenError | Errors.ValueError | Errors.TypeError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      yield* checkArguments(address, options)
      const socket = yield* Effect.async<net.Socket, Errors.OSError>((resume) => {
        const socket = typeof address === "string" ? net.connect({ path: address }) : net.connect(address.port, address.host)
        socket.once("connect", () => resume(Effect.succeed(socket)))
        socket.once("error", (error) => resume(Effect.fail(osError(error, `cannot connect to ${JSON.stringify(address)}`))))
      })
      return yield* open(socket, options, authenticate)
    }),
    (connection) => connection.close
  )
