/**
 * Managers: Python's `multiprocessing.Manager()` and `BaseManager`. A manager
 * is a server process that holds shared objects — `dict`, `list`,
 * `Namespace`, the synchronization primitives, `Value`, `Array`, queues, and
 * types you register — and hands out proxies to them, which work from every
 * process they are passed to. Over TCP with an authkey, processes of other
 * programs, or other machines, `connect` to it.
 *
 * ```ts
 * const program = Effect.gen(function*() {
 *   const manager = yield* Manager.make()
 *   const d = yield* manager.dict()
 *   yield* Process.run({ target: (d) => d.setItem("answer", 42), args: [d] })
 *   yield* d.getItem("answer") // 42
 * })
 * ```
 *
 * Security: see docs/managers.md. A manager runs only code of the program that
 * started it (registered callables travel from it like process targets);
 * clients authenticate with the authkey (an HMAC handshake, see docs/security.md) and can
 * only create registered types and call their exposed methods.
 *
 * @since 0.1.0
 */
import type { Context, Duration, Effect, Scope } from "effect"
import { Layer } from "effect"
import type * as Barrier from "./Barrier.js"
import type * as Condition from "./Condition.js"
import type {
  AttributeError,
  AuthenticationError,
  IndexError,
  KeyError,
  MultiprocessingError,
  OSError,
  OwnerGoneError,
  ProcessError,
  ProcessStateError,
  RemoteError,
  SerializationError,
  TypeError,
  ValueError
} from "./Errors.js"
import type * as Event from "./Event.js"
import * as internal from "./internal/manager/manager.js"
import type { Address } from "./Listener.js"
import type * as Lock from "./Lock.js"
import type { Multiprocessing } from "./Multiprocessing.js"
import type * as Process from "./Process.js"
import type * as ProcessQueue from "./ProcessQueue.js"
import type * as Semaphore from "./Semaphore.js"
import type * as SharedValue from "./SharedValue.js"
import type * as Target from "./Target.js"

/**
 * A running manager, or a connection to one: makes shared objects and gives their proxies.
 *
 * @since 0.1.0
 * @category models
 */
export interface Manager {
  /** Where it serves (a Unix socket's path, or `{ host, port }` over TCP). */
  readonly address: Address
  /** The manager process's pid (0 when connected over TCP to another machine's). */
  readonly pid: number
  /** Stops it (for a manager this program started; nothing for a connection). */
  readonly shutdown: Effect.Effect<void>
  /** Makes an object of type `typeid` in the manager and gives its proxy (registered types included). */
  create<A = CustomProxy>(typeid: string, ...args: ReadonlyArray<unknown>): Effect.Effect<A, CreateError>
  /** A shared dict, from [key, value] pairs, a plain object or a Map. */
  dict<K extends DictKey = DictKey, V = unknown>(initial?: DictEntries<K, V>): Effect.Effect<DictHandle<K, V>, CreateError>
  /** A shared list holding `initial`'s items. */
  list<A = unknown>(initial?: Iterable<A>): Effect.Effect<ListHandle<A>, CreateError>
  /** A shared Namespace with `initial`'s attributes. */
  Namespace(initial?: Readonly<Record<string, unknown>>): Effect.Effect<NamespaceHandle, CreateError>
  Lock(): Effect.Effect<Lock.Lock, CreateError>
  RLock(): Effect.Effect<Lock.Lock, CreateError>
  Semaphore(value?: number): Effect.Effect<Semaphore.Semaphore, CreateError>
  BoundedSemaphore(value?: number): Effect.Effect<Semaphore.Semaphore, CreateError>
  /** On a Lock or RLock of this manager, or a fresh RLock. */
  Condition(lock?: Lock.Lock): Effect.Effect<Condition.Condition, CreateError>
  Event(): Effect.Effect<Event.Event, CreateError>
  /** An `action` cannot be given: it would have to run in the manager. */
  Barrier(parties: number, options?: { readonly timeout?: Duration.DurationInput }): Effect.Effect<Barrier.Barrier, CreateError>
  /** A queue in the manager; `A` declares its items (nothing is checked as they cross). */
  Queue<A = unknown>(maxsize?: number): Effect.Effect<ProcessQueue.Queue<A>, CreateError>
  JoinableQueue<A = unknown>(maxsize?: number): Effect.Effect<ProcessQueue.JoinableQueue<A>, CreateError>
  /** Python's manager `Value`: no lock of its own. */
  Value<T extends SharedValue.Typecode>(typecode: T, value: unknown): Effect.Effect<SharedValue.SharedValue<T>, CreateError>
  Array<T extends SharedValue.Typecode>(typecode: T, values: ReadonlyArray<unknown> | number): Effect.Effect<SharedValue.SharedArray<T>, CreateError>
}

/**
 * A shared list: Python's ListProxy. Indices and slices as Python's; a missing
 * bound (null or undefined) is Python's None.
 *
 * @since 0.1.0
 * @category models
 */
export interface ListHandle<A = unknown> {
  /** `len(l)`. */
  readonly len: Effect.Effect<number, OwnerGoneError>
  /** `l[i]`: negative counts from the end; IndexError outside. */
  getItem(index: number): Effect.Effect<A, IndexError | ValueError | OwnerGoneError>
  /** `l[i] = v`. */
  setItem(index: number, value: A): Effect.Effect<void, IndexError | ValueError | OwnerGoneError>
  /** `del l[i]`. */
  delItem(index: number): Effect.Effect<void, IndexError | ValueError | OwnerGoneError>
  /** `l[start:stop:step]`, a plain array. ValueError for a zero step. */
  slice(start?: number | null, stop?: number | null, step?: number | null): Effect.Effect<Array<A>, ValueError | OwnerGoneError>
  /** `l[start:stop] = values` (the list grows or shrinks to fit). */
  setSlice(start: number | null | undefined, stop: number | null | undefined, values: ReadonlyArray<A>): Effect.Effect<void, ValueError | OwnerGoneError>
  /** `del l[start:stop]`. */
  delSlice(start?: number | null, stop?: number | null): Effect.Effect<void, ValueError | OwnerGoneError>
  append(value: A): Effect.Effect<void, OwnerGoneError>
  extend(values: ReadonlyArray<A>): Effect.Effect<void, ValueError | OwnerGoneError>
  /** Removes and gives the item at `index` (the last by default); IndexError when empty or outside. */
  pop(index?: number): Effect.Effect<A, IndexError | ValueError | OwnerGoneError>
  /** Inserts before `index`, clamped to the list as Python does. */
  insert(index: number, value: A): Effect.Effect<void, ValueError | OwnerGoneError>
  /** Removes the first item equal to `value` (deep equality); ValueError when there is none. */
  remove(value: A): Effect.Effect<void, ValueError | OwnerGoneError>
  readonly reverse: Effect.Effect<void, OwnerGoneError>
  /**
   * Sorts in place, stably, in Python's order: numbers and bigints, strings (by
   * code point), or arrays of them (lexicographically). Items that do not compare
   * fail it with ValueError and leave the list as it was. No key function: it could not travel.
   */
  sort(options?: { readonly reverse?: boolean }): Effect.Effect<void, ValueError | OwnerGoneError>
  count(value: A): Effect.Effect<number, OwnerGoneError>
  /** The first position of `value` within `l[start:stop]`; ValueError when it is not there. */
  index(value: A, start?: number | null, stop?: number | null): Effect.Effect<number, ValueError | OwnerGoneError>
  /** `value in l`. */
  contains(value: A): Effect.Effect<boolean, OwnerGoneError>
  /** Every item, as a plain array (`list(l)`, `l[:]`). */
  readonly toArray: Effect.Effect<Array<A>, OwnerGoneError>
}

/**
 * What a shared dict's keys may be: values compared by value in every process.
 * (An object arrives as a new copy each time, so it could never be found again.)
 * Unlike Python, `1`, `1n` and `true` are three keys, as in a JavaScript Map.
 *
 * @since 0.1.0
 * @category models
 */
export type DictKey = string | number | bigint | boolean | null

/**
 * What a dict is made or updated from: [key, value] pairs, a Map, or a plain object.
 *
 * @since 0.1.0
 * @category models
 */
export type DictEntries<K extends DictKey, V> =
  | ReadonlyArray<readonly [K, V]>
  | ReadonlyMap<K, V>
  | (K extends string ? { readonly [key: string]: V } : never)

/**
 * A shared dict: Python's DictProxy, insertion-ordered. Keys: see `DictKey`.
 *
 * @since 0.1.0
 * @category models
 */
export interface DictHandle<K extends DictKey = DictKey, V = unknown> {
  /** `len(d)`. */
  readonly len: Effect.Effect<number, OwnerGoneError>
  /** `d.get(key, default)`: the value, else `fallback`, else undefined (Python's None). */
  get(key: K): Effect.Effect<V | undefined, ValueError | OwnerGoneError>
  get<D>(key: K, fallback: D): Effect.Effect<V | D, ValueError | OwnerGoneError>
  /** `d[key]`; KeyError when missing. */
  getItem(key: K): Effect.Effect<V, KeyError | ValueError | OwnerGoneError>
  /** `d[key] = value`. */
  setItem(key: K, value: V): Effect.Effect<void, ValueError | OwnerGoneError>
  /** `del d[key]`; KeyError when missing. */
  delItem(key: K): Effect.Effect<void, KeyError | ValueError | OwnerGoneError>
  /** `key in d`. */
  has(key: K): Effect.Effect<boolean, ValueError | OwnerGoneError>
  /** The keys in insertion order, as a plain array (iterating a dict gives these). */
  readonly keys: Effect.Effect<Array<K>, OwnerGoneError>
  readonly values: Effect.Effect<Array<V>, OwnerGoneError>
  /** [key, value] pairs in insertion order. */
  readonly items: Effect.Effect<Array<[K, V]>, OwnerGoneError>
  /** `d.update(…)` from [key, value] pairs, a plain object or a Map. */
  update(entries: DictEntries<K, V>): Effect.Effect<void, ValueError | OwnerGoneError>
  /** Removes and gives the value of `key`; when missing, `fallback` if given, else KeyError. */
  pop(key: K): Effect.Effect<V, KeyError | ValueError | OwnerGoneError>
  pop<D>(key: K, fallback: D): Effect.Effect<V | D, ValueError | OwnerGoneError>
  /** Removes and gives the last pair put in; KeyError when empty. */
  readonly popitem: Effect.Effect<[K, V], KeyError | OwnerGoneError>
  /** The value of `key`, putting `fallback` (undefined by default) there first when missing. */
  setdefault(key: K, fallback?: V): Effect.Effect<V, ValueError | OwnerGoneError>
  readonly clear: Effect.Effect<void, OwnerGoneError>
  /** A plain Map of every pair (`d.copy()`). */
  readonly copy: Effect.Effect<Map<K, V>, OwnerGoneError>
}

/**
 * A shared Namespace: Python's `manager.Namespace()`, attributes by name.
 *
 * @since 0.1.0
 * @category models
 */
export interface NamespaceHandle {
  /** `ns.name`; AttributeError when it has none. */
  get(name: string): Effect.Effect<unknown, AttributeError | ValueError | OwnerGoneError>
  /** `ns.name = value`. */
  set(name: string, value: unknown): Effect.Effect<void, ValueError | OwnerGoneError>
  /** `del ns.name`; AttributeError when it has none. */
  delete(name: string): Effect.Effect<void, AttributeError | ValueError | OwnerGoneError>
  /** `hasattr(ns, name)`. */
  has(name: string): Effect.Effect<boolean, ValueError | OwnerGoneError>
  /** Every attribute, as a plain object (what Python's repr of a Namespace shows). */
  readonly toObject: Effect.Effect<Record<string, unknown>, OwnerGoneError>
}

/**
 * Why a proxy's method call failed: the method threw or is not exposed (`RemoteError`), or the manager is gone.
 *
 * @since 0.1.0
 * @category errors
 */
export type ProxyCallError = RemoteError | SerializationError | OwnerGoneError | MultiprocessingError

/**
 * The proxy of an object of a registered type: `call(method, ...args)`, and
 * each exposed method by name (see `ProxyOf`).
 *
 * @since 0.1.0
 * @category models
 */
export interface CustomProxy {
  /** The typeid it was registered under. */
  readonly typeid: string
  /** The methods a proxy may call. */
  readonly exposed: ReadonlyArray<string>
  /** Calls `method` on the object in the manager; any method, so that an unexposed one fails there, as in Python. */
  call(method: string, ...args: Array<unknown>): Effect.Effect<unknown, ProxyCallError>
}

/** The names of `T`'s methods. */
type MethodNames<T> = { [K in keyof T]: T[K] extends (...args: any) => any ? K : never }[keyof T]

/**
 * The proxy of a registered type's objects, typed from the type: each method an
 * Effect of what it returns (copied back), e.g. `manager.create<Manager.ProxyOf<Counter>>("Counter", 10)`.
 *
 * @since 0.1.0
 * @category models
 */
export type ProxyOf<T> =
  & CustomProxy
  & {
    readonly [K in MethodNames<T>]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Effect.Effect<Awaited<R>, ProxyCallError>
      : never
  }

/**
 * A type to register: how to make one (in the manager process), and which methods proxies may call.
 *
 * @since 0.1.0
 * @category models
 */
export type Registered =
  | Target.Target
  | { readonly callable: Target.Target; readonly exposed?: ReadonlyArray<string> }

/**
 * How `make` starts a manager.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Types this manager makes besides the built-in ones (Python's `register`), by typeid. */
  readonly register?: Readonly<Record<string, Registered>>
  /** Serve over TCP too, so that other programs can `connect` (port 0 picks one; see `address`). */
  readonly address?: { readonly host: string; readonly port: number }
  /** What TCP clients must prove they know; this program's authkey by default. */
  readonly authkey?: Uint8Array
  /** Make only registered types, as Python's BaseManager (default: the built-in ones too, as SyncManager). */
  readonly registeredOnly?: boolean
  /** Runs in the manager process before it serves (Python's `start(initializer, initargs)`). */
  readonly initializer?: Target.Target
  readonly initargs?: ReadonlyArray<unknown>
}

/**
 * Why `create` failed: an unknown typeid or bad arguments (`ValueError`), the
 * registered callable's own failure (`RemoteError`), or the manager is gone.
 *
 * @since 0.1.0
 * @category errors
 */
export type CreateError = ValueError | RemoteError | OwnerGoneError | MultiprocessingError

/**
 * Starts a manager process (Python's `Manager()`, or `BaseManager.start()`),
 * serving while the Scope is open; when it closes the manager shuts down, and
 * every proxy of its objects fails with `OwnerGoneError`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (
  options?: Options
) => Effect.Effect<Manager, ValueError | TypeError | ProcessError | OSError | Process.StartError, Multiprocessing | Scope.Scope> =
  internal.make

/**
 * A Layer that provides a started manager for `tag` (see `make`): it serves
 * from when the Layer is built until the Layer's scope closes, so an
 * application starts one manager and its services depend on the tag.
 *
 * ```ts
 * class SharedState extends Context.Tag("SharedState")<SharedState, Manager.Manager>() {}
 * const SharedStateLive = Manager.layer(SharedState)
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <I>(
  tag: Context.Tag<I, Manager>,
  options?: Options
): Layer.Layer<I, ValueError | TypeError | ProcessError | OSError | Process.StartError, Multiprocessing> =>
  Layer.scoped(tag, internal.make(options))

/**
 * Connects to a manager another program serves over TCP (Python's
 * `BaseManager.connect()`), with this program's authkey unless one is given:
 * a wrong authkey fails with `AuthenticationError`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const connect: (options: {
  readonly address: { readonly host: string; readonly port: number }
  readonly authkey?: Uint8Array
}) => Effect.Effect<Manager, CreateError | OSError | AuthenticationError | TypeError> = internal.connect

/**
 * What this process serves registered types with (see `server`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ServeOptions {
  readonly address: { readonly host: string; readonly port: number }
  /** What clients must prove they know; this program's authkey by default. */
  readonly authkey?: Uint8Array
  readonly register: Readonly<
    Record<string, ((...args: Array<any>) => unknown) | { readonly callable: (...args: Array<any>) => unknown; readonly exposed?: ReadonlyArray<string> }>
  >
}

/**
 * A manager served from this process (Python's `Server`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Server {
  /** Where it listens: the port the system picked, when 0 was asked. */
  readonly address: { readonly host: string; readonly port: number }
  /**
   * Python's `serve_forever()`: keeps this process alive until the server's
   * Scope closes (listening alone does not hold the process).
   */
  readonly serveForever: Effect.Effect<void>
}

/**
 * Listens over TCP and serves registered types from this process while the
 * Scope is open (Python's `get_server()`). Here the callables run in this
 * process, so they may close over its objects (a queue this process made).
 * One per process: a second fails with `ProcessStateError`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const server: (
  options: ServeOptions
) => Effect.Effect<Server, ProcessStateError | OSError | ValueError | TypeError, Scope.Scope> = internal.server

/**
 * Serves registered types from this process over TCP until interrupted
 * (Python's `get_server().serve_forever()`; see `server`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const serve: (
  options: ServeOptions & {
    /** Called once listening, with the address (its port, when 0 was asked). */
    readonly onListening?: (address: { readonly host: string; readonly port: number }) => void
  }
) => Effect.Effect<never, ProcessError | ProcessStateError | OSError | ValueError | TypeError> = internal.serve

/**
 * Fails with `TypeError` for an authkey that is not bytes: what `make`,
 * `connect` and `server` check first, as Python does.
 *
 * @since 0.1.0
 * @category guards
 */
export const checkAuthkey: (authkey: unknown) => Effect.Effect<void, TypeError> = internal.checkAuthkey
