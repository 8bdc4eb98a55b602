/**
 * Python's `multiprocessing.Manager()`, `managers.BaseManager` and
 * `SyncManager` for plain TypeScript. A thin layer over the Effect face's
 * Manager: every method that talks to the manager returns a Promise, and the
 * objects it makes come back as the compat face's proxies.
 *
 * ```ts
 * await using manager = await Manager()
 * const d = await manager.dict()
 * const l = await manager.list([0, 1, 2])
 * const p = new Process({ target: async (d, l) => { await d.setItem(1, "1"); await l.reverse() }, args: [d, l] })
 * p.start()
 * await p.join()
 * ```
 *
 * Remote managers, as in Python's documentation:
 *
 * ```ts
 * // the server
 * const queue = new Queue()
 * class QueueManager extends BaseManager {}
 * QueueManager.register("getQueue", () => queue)
 * const m = new QueueManager({ address: ["", 50000], authkey: "abracadabra" })
 * const server = await m.getServer() // listening: server.address
 * await server.serveForever()
 * // a client
 * class QueueManager extends BaseManager {}
 * QueueManager.register("getQueue")
 * const m = new QueueManager({ address: ["127.0.0.1", 50000], authkey: "abracadabra" })
 * await m.connect()
 * const queue = await m.getQueue()
 * await queue.put("hello")
 * ```
 */
import type { Effect } from "effect"
import { ProcessStateError, ValueError } from "../Errors.js"
import * as EffectManager from "../Manager.js"
import type * as Target from "../Target.js"
import type { DictKey, DictProxy, ListProxy, NamespaceProxy } from "./managed.js"
import type { JoinableQueue, Queue } from "./queues.js"
import type { Input, SharedArray, SharedValue, Typecode } from "./sharedctypes.js"
import type { Barrier, BoundedSemaphore, Condition, Event, Lock, RLock, Semaphore } from "./synchronize.js"
import { CompatWrapsKey, fromCaller, markNotData, registerWrapper, runPromise, runSync, scopedPromise, seconds, wrap } from "./runtime.js"

/** The compat face of a registered type's proxy: the same methods, returning Promises. */
registerWrapper("Custom", (proxy: EffectManager.CustomProxy): Record<string, unknown> => {
  const compat: Record<string | symbol, unknown> = {
    [CompatWrapsKey]: proxy, // travels as the same object when passed on
    callMethod: (method: string, ...args: Array<unknown>) => runPromise(proxy.call(method, ...args))
  }
  for (const method of proxy.exposed) {
    if (!(method in compat)) compat[method] = (...args: Array<unknown>) => runPromise(proxy.call(method, ...args))
  }
  return compat
})

/** `{ host, port }` or Python's `(host, port)` tuple. */
export type ManagerAddress = { readonly host: string; readonly port: number } | readonly [string, number]

export interface ManagerOptions {
  /** Serve (or connect) over TCP. */
  readonly address?: ManagerAddress
  /** What TCP clients prove they know (Python's bytes: a string or bytes here); this program's by default. */
  readonly authkey?: string | Uint8Array
}

interface Registration {
  readonly callable: Target.Target | undefined
  readonly exposed: ReadonlyArray<string> | undefined
}

const registries = new WeakMap<object, Map<string, Registration>>()

const registryOf = (managerClass: object): Map<string, Registration> => {
  for (let at: object | null = managerClass; at !== null; at = Object.getPrototypeOf(at)) {
    const found = registries.get(at)
    if (found !== undefined) return found
  }
  return new Map()
}

const tcpAddress = (address: ManagerAddress) =>
  Array.isArray(address) ? { host: address[0] as string, port: address[1] as number } : address as { host: string; port: number }

/** A string is taken as its UTF-8 bytes (the docs' examples); anything else but bytes is Python's `TypeError`, at once. */
const authkeyBytes = (authkey: string | Uint8Array | undefined): Uint8Array | undefined => {
  if (typeof authkey === "string") return Buffer.from(authkey)
  runSync(EffectManager.checkAuthkey(authkey))
  return authkey
}

/** What the manager receives for an argument: a compat proxy travels as the Effect object it wraps. */
const fromCompat = (arg: unknown): unknown =>
  (typeof arg === "object" && arg !== null ? (arg as Record<symbol, unknown>)[CompatWrapsKey] : undefined) ?? arg

/** Python's `BaseManager`: register types, then `start()` a manager process, or `connect()` to a running one. */
export class BaseManager {
  readonly #options: ManagerOptions
  #manager: EffectManager.Manager | undefined
  #close: (() => Promise<void>) | undefined
  #starting = false

  constructor(options: ManagerOptions = {}) {
    authkeyBytes(options.authkey) // a bad one is a TypeError here, as Python's constructor raises it
    this.#options = options
  }

  /**
   * Python's `register(typeid, callable, exposed=...)`: `manager[typeid](...args)`
   * makes one in the manager and gives its proxy. The callable runs in the
   * manager process, so it travels as a process target does (an inline
   * function, or a module export); leave it out in a client that only
   * `connect`s. `exposed` lists the methods a proxy may call (default: every
   * public method of the object).
   */
  static register(typeid: string, callable?: Target.Target, options?: { readonly exposed?: ReadonlyArray<string> }): void {
    // Each class its own copy of its parent's registry, as Python's does.
    if (!registries.has(this)) registries.set(this, new Map(registryOf(Object.getPrototypeOf(this))))
    registries.get(this)!.set(typeid, { callable, exposed: options?.exposed })
    Object.defineProperty(this.prototype, typeid, {
      configurable: true,
      value(this: BaseManager, ...args: Array<unknown>) {
        return this.create(typeid, ...args)
      }
    })
  }

  /** What the running manager (the Effect face's) makes, as this face's object. */
  protected async made<P>(make: (manager: EffectManager.Manager) => Effect.Effect<unknown, unknown>): Promise<P> {
    if (this.#manager === undefined) {
      throw fromCaller(new ProcessStateError({ message: "the manager is not running: call start() or connect() first" }))
    }
    return wrap(await runPromise(make(this.#manager))) as P
  }

  /** Where it serves: `{ host, port }` over TCP, else the Unix socket's path. */
  get address() {
    return this.#manager?.address ?? (this.#options.address === undefined ? undefined : tcpAddress(this.#options.address))
  }

  /** The manager process's pid, once started or connected (0 when connected over TCP to another machine's). */
  get pid(): number | undefined {
    return this.#manager?.pid
  }

  /** Starts the manager process (Python's `start(initializer, initargs)`). */
  async start(options?: { readonly initializer?: Target.Target; readonly initargs?: ReadonlyArray<unknown> }): Promise<void> {
    if (this.#manager !== undefined || this.#starting) throw fromCaller(new ProcessStateError({ message: "the manager has already been started" }))
    this.#starting = true
    try {
      await this.#start(options)
    } finally {
      this.#starting = false
    }
  }

  async #start(options?: { readonly initializer?: Target.Target; readonly initargs?: ReadonlyArray<unknown> }): Promise<void> {
    const register: Record<string, EffectManager.Registered> = {}
    for (const [typeid, { callable, exposed }] of registryOf(this.constructor)) {
      if (callable === undefined) throw fromCaller(new ValueError({ message: `'${typeid}' was registered without a callable: a manager that starts must be able to make it` }))
      register[typeid] = { callable, ...(exposed === undefined ? {} : { exposed }) }
    }
    const authkey = authkeyBytes(this.#options.authkey)
    const made = await scopedPromise(EffectManager.make({
      register,
      registeredOnly: !(this instanceof SyncManager),
      ...(this.#options.address === undefined ? {} : { address: tcpAddress(this.#options.address) }),
      ...(authkey === undefined ? {} : { authkey }),
      ...(options?.initializer === undefined ? {} : { initializer: options.initializer, initargs: options.initargs ?? [] })
    }))
    this.#manager = made.value
    this.#close = made.close
  }

  /** Connects to a manager served over TCP by another program (Python's `connect()`). */
  async connect(): Promise<void> {
    const { address, authkey } = this.#options
    if (address === undefined) throw fromCaller(new ValueError({ message: "connect() needs the manager's address: new BaseManager({ address, authkey })" }))
    const key = authkeyBytes(authkey)
    this.#manager = await runPromise(EffectManager.connect({ address: tcpAddress(address), ...(key === undefined ? {} : { authkey: key }) }))
  }

  /** Makes an object of a registered (or built-in) type in the manager, and gives its proxy. */
  create<P = any>(typeid: string, ...args: Array<unknown>): Promise<P> {
    return this.made((manager) => manager.create(typeid, ...args.map(fromCompat)))
  }

  /** Stops the manager process this object started; its proxies fail from then on. */
  async shutdown(): Promise<void> {
    const close = this.#close
    this.#close = undefined
    this.#manager = undefined
    await close?.()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown()
  }

  /**
   * Python's `get_server()`: listens at once (so `address` names the port the
   * system picked for port 0), and serves the registered types from this
   * process over TCP until `close()`. Here the callables run in this process,
   * so they may hand out objects it made (`register("getQueue", () => queue)`).
   * Rejects with `OSError` when the address cannot be listened on.
   */
  async getServer(): Promise<ManagerServer> {
    const { address, authkey } = this.#options
    if (address === undefined) throw fromCaller(new ValueError({ message: "get_server() needs an address to listen on: new BaseManager({ address, authkey })" }))
    const register: Record<string, { callable: (...args: Array<any>) => unknown; exposed?: ReadonlyArray<string> }> = {}
    for (const [typeid, { callable, exposed }] of registryOf(this.constructor)) {
      if (typeof callable !== "function") throw fromCaller(new ValueError({ message: `'${typeid}' needs a function to serve it from this process` }))
      register[typeid] = { callable, ...(exposed === undefined ? {} : { exposed }) }
    }
    const key = authkeyBytes(authkey)
    const { value: server, close } = await scopedPromise(
      EffectManager.server({ address: tcpAddress(address), register, ...(key === undefined ? {} : { authkey: key }) })
    )
    return { address: server.address, serveForever: () => runPromise(server.serveForever), close }
  }
}

markNotData(
  BaseManager,
  "a manager",
  "send the proxies it makes instead (a dict, a list, a Lock …), which reach its server from any process; " +
    "another program can connect() to a manager served over TCP with its address and authkey"
)

/** The names of `T`'s methods. */
type MethodNames<T> = { [K in keyof T]: T[K] extends (...args: any) => any ? K : never }[keyof T]

/**
 * The proxy of a registered type's objects, typed from the type: each method a
 * Promise of what it returns (copied back), e.g. `await manager.create<ProxyOf<Counter>>("Counter", 10)`.
 */
export type ProxyOf<T> = {
  readonly [K in MethodNames<T>]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never
}

/** What `getServer()` gives: a manager serving from this process, as Python's `Server`. */
export interface ManagerServer {
  /** Where it listens: the port the system picked, when 0 was asked. */
  readonly address: { readonly host: string; readonly port: number }
  /** Python's `serve_forever()`: settles only once `close()` is called (or serving fails). */
  serveForever(): Promise<void>
  /** Stops listening and drops the connections. */
  close(): Promise<void>
}

/** Python's `SyncManager`: the built-in types, each its compat class (`DictProxy<K, V>`, `ListProxy<T>`, `Lock` …). */
export class SyncManager extends BaseManager {
  /** A shared dict (`DictProxy<K, V>`): `d.setItem(k, v)`, not `d[k] = v` (which a type error now stops). */
  dict<K extends DictKey = DictKey, V = unknown>(
    initial?: Iterable<readonly [K, V]> | (K extends string ? { readonly [key: string]: V } : never)
  ): Promise<DictProxy<K, V>> {
    return this.made((manager) => manager.dict(initial as EffectManager.DictEntries<K, V>))
  }
  /** A shared list (`ListProxy<T>`). */
  list<T = unknown>(initial?: Iterable<T>): Promise<ListProxy<T>> {
    return this.made((manager) => manager.list(initial))
  }
  Namespace(initial?: Readonly<Record<string, unknown>>): Promise<NamespaceProxy> {
    return this.made((manager) => manager.Namespace(initial))
  }
  Lock(): Promise<Lock> {
    return this.made((manager) => manager.Lock())
  }
  RLock(): Promise<RLock> {
    return this.made((manager) => manager.RLock())
  }
  Semaphore(value = 1): Promise<Semaphore> {
    return this.made((manager) => manager.Semaphore(value))
  }
  BoundedSemaphore(value = 1): Promise<BoundedSemaphore> {
    return this.made((manager) => manager.BoundedSemaphore(value))
  }
  Condition(lock?: Lock | RLock): Promise<Condition> {
    return this.made((manager) => manager.Condition(fromCompat(lock) as never))
  }
  Event(): Promise<Event> {
    return this.made((manager) => manager.Event())
  }
  /** Python's `Barrier(parties, action=None, timeout=None)`, without an action (it would run in the manager). */
  Barrier(parties: number, action?: null, timeout?: number | null): Promise<Barrier> {
    if (action !== undefined && action !== null) {
      return Promise.reject(fromCaller(new ValueError({ message: "a manager's Barrier cannot take an action: it would have to run in the manager process" })))
    }
    return this.made((manager) => manager.Barrier(parties, { timeout: seconds(timeout) }))
  }
  Queue<T = unknown>(maxsize = 0): Promise<Queue<T>> {
    return this.made((manager) => manager.Queue(maxsize))
  }
  JoinableQueue<T = unknown>(maxsize = 0): Promise<JoinableQueue<T>> {
    return this.made((manager) => manager.JoinableQueue(maxsize))
  }
  Value<T extends Typecode>(typecode: T, value: Input<T>): Promise<SharedValue<T>> {
    return this.made((manager) => manager.Value(typecode, value))
  }
  Array<T extends Typecode>(typecode: T, values: ReadonlyArray<Input<T>> | number): Promise<SharedArray<T>> {
    return this.made((manager) => manager.Array(typecode, values))
  }
}

/** What `Manager()` gives, by Python's name: `let manager: Manager`. */
export type Manager = SyncManager

/** Python's `multiprocessing.Manager()`: a started SyncManager (`await using manager = await Manager()`). */
export const Manager = async (options?: ManagerOptions): Promise<SyncManager> => {
  const manager = new SyncManager(options)
  await manager.start()
  return manager
}
