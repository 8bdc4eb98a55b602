/**
 * Python's `multiprocessing.connection` for plain TypeScript: `Listener`,
 * `Client` and the `Connection` they give. Addresses are Python's: a
 * `[host, port]` tuple for TCP, a path (or `"\0name"`) for a Unix socket.
 * `Listener(...)` and `Client(...)` are awaited, since binding and connecting
 * wait on the operating system.
 *
 * ```ts
 * await using listener = await Listener(["localhost", 6000], { authkey })
 * await using conn = await listener.accept()
 * console.log(await conn.recv())
 * ```
 */
import { Duration, type Effect, Exit, Scope } from "effect"
import * as EffectConnection from "../Connection.js"
import * as Errors from "../Errors.js"
import * as EffectListener from "../Listener.js"
import * as EffectPipe from "../Pipe.js"
import type * as Serializer from "../Serializer.js"
import { CallbacksKey, CompatWrapsKey, fromCaller, markNotDataAsWrapped, registerWrapper, runPromise, runSync, seconds, secondsInput, settlePromise } from "./runtime.js"

export type Address = readonly [host: string, port: number] | string

export type ClientOptions = EffectListener.Options<any, any>

export type ListenerOptions = EffectListener.ListenerOptions<any, any>

/** A `[host, port]` pair becomes `{ host, port }`; anything else goes as it is, for the Effect face to check. */
const toEffect = (address: Address): EffectListener.Address =>
  Array.isArray(address) && address.length === 2 ? { host: address[0], port: address[1] } : address as EffectListener.Address

const fromEffect = (address: EffectListener.Address): Address =>
  typeof address === "string" ? address : [address.host, address.port]

/** The Effect Connection's byte operations, started at once (under `CallbacksKey`): no Effect per call to carry the start. */
interface ConnectionCalls {
  readonly sendBytes: (buffer: ArrayBufferView | ArrayBufferLike, offset?: number, size?: number) => Effect.Effect<void, unknown, any>
  readonly recvBytes: (maxLength?: number) => Effect.Effect<Uint8Array, unknown, any>
}

/** One end of a connection. */
export class Connection<A = unknown> {
  readonly #connection: EffectConnection.Connection<A, any>
  readonly #scope: Scope.CloseableScope | undefined
  readonly #calls: ConnectionCalls

  /** Wraps an Effect face Connection (Listener.accept, Client and Pipe make them); `scope`, when given, holds this end alone. */
  constructor(connection: EffectConnection.Connection<A, any>, scope?: Scope.CloseableScope) {
    this.#connection = connection
    this.#scope = scope
    this.#calls = (connection as unknown as Record<typeof CallbacksKey, ConnectionCalls | undefined>)[CallbacksKey] ?? {
      sendBytes: (buffer, offset, size) => connection.sendBytes(buffer, offset, size),
      recvBytes: (maxLength) => connection.recvBytes(maxLength)
    }
  }

  /** The Effect Connection this end wraps: what a Process hands to a child, what `wait` watches. */
  get [CompatWrapsKey]() {
    return this.#connection
  }
  get readable(): boolean {
    return this.#connection.readable
  }
  get writable(): boolean {
    return this.#connection.writable
  }
  get closed(): boolean {
    return this.#connection.closed
  }

  send(value: A): Promise<void> {
    return runPromise(this.#connection.send(value))
  }
  recv(): Promise<A> {
    return runPromise(this.#connection.recv)
  }
  /** Any ArrayBufferView or ArrayBuffer; `offset` and `size` count bytes, as in Python. */
  sendBytes(buffer: ArrayBufferView | ArrayBufferLike, offset?: number, size?: number): Promise<void> {
    return settlePromise(this.#calls.sendBytes(buffer, offset, size))
  }
  recvBytes(maxLength?: number): Promise<Uint8Array> {
    return settlePromise(this.#calls.recvBytes(maxLength))
  }
  /** Into any ArrayBufferView or ArrayBuffer, at `offset` bytes; gives the message's length in bytes. */
  recvBytesInto(buffer: ArrayBufferView | ArrayBufferLike, offset?: number): Promise<number> {
    return runPromise(this.#connection.recvBytesInto(buffer, offset))
  }
  /** Whether data is waiting, waiting up to `timeout` seconds: none answers at once, null waits without limit (Python's `poll(None)`). */
  poll(timeout?: number | null): Promise<boolean> {
    if (timeout !== undefined && timeout !== null && typeof timeout !== "number") {
      return Promise.reject(fromCaller(new Errors.TypeError({ message: `poll's timeout must be a number of seconds or null, not ${typeof timeout}` })))
    }
    const limit = timeout === null ? Duration.infinity : secondsInput(timeout ?? 0)!
    return runPromise(this.#connection.poll(limit))
  }
  close(): void {
    runSync(this.#scope === undefined ? this.#connection.close : Scope.close(this.#scope, Exit.void))
  }
  async [Symbol.asyncDispose](): Promise<void> {
    this.close()
  }
}

markNotDataAsWrapped(Connection)
// An Effect Connection that arrives in this process (a Process argument sent from this face) is wrapped so.
registerWrapper("Connection", (connection: EffectConnection.Connection<any, any>) => new Connection(connection))

/** A scoped Effect run for its value, with the scope kept by the object it makes. */
const withScope = async <A, E>(make: Effect.Effect<A, E, Scope.Scope>) => {
  const scope = runSync(Scope.make())
  try {
    return { value: await runPromise(Scope.extend(make, scope)), scope }
  } catch (error) {
    await runPromise(Scope.close(scope, Exit.void))
    throw error
  }
}

export class ListenerHandle {
  readonly #listener: EffectListener.Listener<any, any>
  readonly #scope: Scope.CloseableScope

  /** Wraps an Effect face Listener (Listener() makes it). */
  constructor(listener: EffectListener.Listener<any, any>, scope: Scope.CloseableScope) {
    this.#listener = listener
    this.#scope = scope
  }

  /** The Effect Listener this wraps: what `wait` watches. */
  get [CompatWrapsKey]() {
    return this.#listener
  }
  get address(): Address {
    return fromEffect(this.#listener.address)
  }
  get lastAccepted(): Address | null {
    const last = this.#listener.lastAccepted
    return last === null ? null : fromEffect(last)
  }
  /** The next connection; rejects with `AuthenticationError` when a client fails the handshake. */
  async accept<A = unknown>(): Promise<Connection<A>> {
    const { scope, value } = await withScope(this.#listener.accept)
    return new Connection(value, scope)
  }
  close(): Promise<void> {
    return runPromise(Scope.close(this.#scope, Exit.void))
  }
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}

markNotDataAsWrapped(ListenerHandle)

/** What `Listener(...)` gives, by Python's name: `let listener: Listener`. */
export type Listener = ListenerHandle

/** What `Client(...)` gives: a Connection. */
export type Client<A = unknown> = Connection<A>

/** What `Pipe()` gives: its two ends. */
export type Pipe<A = unknown> = [Connection<A>, Connection<A>]

/** Listens on `address` (a fresh private Unix socket when omitted); rejects with `OSError` if it is in use. */
export const Listener = async (address?: Address, options?: ListenerOptions): Promise<ListenerHandle> => {
  const { scope, value } = await withScope(
    EffectListener.make(address === undefined ? undefined : toEffect(address), options)
  )
  return new ListenerHandle(value, scope)
}

/** Connects to a Listener, this library's or Python's; rejects with `AuthenticationError` on a key mismatch. */
export const Client = async <A = unknown>(address: Address, options?: ClientOptions): Promise<Connection<A>> => {
  const { scope, value } = await withScope(EffectListener.client<A, any>(toEffect(address), options))
  return new Connection(value, scope)
}

/** Two connected ends: `[a, b]`, both reading and writing; with `{ duplex: false }`, `[reader, writer]`. */
export const Pipe = async <A = unknown>(
  options?: { readonly duplex?: boolean; readonly serializer?: Serializer.Serializer<A, any> }
): Promise<[Connection<A>, Connection<A>]> => {
  // Each end closes on its own, as in Python: the pair's scope is not kept.
  const { value } = await withScope(EffectPipe.make<A, any>(options))
  return [new Connection(value[0]), new Connection(value[1])]
}

/** What `wait` watches: this face's connections and listeners, and process sentinels. */
export type Waitable = Connection<any> | ListenerHandle | EffectConnection.Waitable

/**
 * The objects that are ready — connections with data (or end of file), listeners
 * with a waiting client, process sentinels of exited processes — waiting up to
 * `timeout` seconds for one (forever when omitted); `[]` on timeout.
 */
export const wait = <W extends Waitable>(objects: ReadonlyArray<W>, timeout?: number | null): Promise<Array<W>> => {
  const watched = objects.map((object) => ((object as Partial<Record<typeof CompatWrapsKey, EffectConnection.Waitable>>)[CompatWrapsKey] ?? object) as EffectConnection.Waitable)
  return runPromise(EffectConnection.wait(watched, seconds(timeout))).then((ready) => {
    const readySet = new Set<EffectConnection.Waitable>(ready)
    return objects.filter((_, i) => readySet.has(watched[i]))
  })
}
