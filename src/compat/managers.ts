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
import { Cause, Duration, Effect, Exit, Fiber, Scope } from "effect"
import * as Errors from "../Errors.js"
import { ProcessStateError, ValueError } from "../Errors.js"
import * as EffectManager from "../Manager.js"
import type * as Target from "../Target.js"
import { CustomHandle } from "../internal/manager/customProxy.js"
import { familyAuthkey } from "../internal/process/currentProcess.js"
import { authkeyProblem } from "../internal/wire/handshake.js"
import { keepingAlive } from "../internal/keepAlive.js"
import { isPrimitive, PrimitiveTypeId } from "../internal/served/backend.js"
import { revivePrimitive } from "../internal/kinds.js"
import { CompatWrapsKey, registerWrapper, runPromise, runSync, runtime, seconds } from "./runtime.js"
import { MANAGER_ADVICE, markNotData } from "../internal/codec/notData.js"

/** The compat face: the same methods, returning Promises. */
const compatCustom = (handle: CustomHandle): Record<string, unknown> => {
  const proxy: Record<string | symbol, unknown> = {
    [CompatWrapsKey]: handle, // travels as the same object when passed on
    callMethod: (method: string, ...args: Array<unknown>) => runPromise(handle.call(method, ...args))
  }
  for (const method of handle.exposed) {
    if (method in proxy) continue
    proxy[method] = (...args: Array<unknown>) => runPromise(handle.call(method, ...args))
  }
  return proxy
}

registerWrapper("Custom", compatCustom)

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

/** A string is taken as its UTF-8 bytes (the docs' examples); anything else but bytes is Python's `TypeError`. */
const authkeyBytes = (authkey: string | Uint8Array | undefined): Uint8Array | undefined => {
  if (typeof authkey === "string") return Buffer.from(authkey)
  const problem = authkeyProblem(authkey)
  if (problem !== undefined) throw new Errors.TypeError({ message: problem.replace("Uint8Array", "Uint8Array or a string") })
  return authkey
}

/** The compat face's proxy for an object the manager made (arriving as the Effect face's handle). */
const toCompat = (made: unknown): unknown => {
  if (made instanceof CustomHandle) return compatCustom(made)
  if (isPrimitive(made)) {
    const compat = revivePrimitive(made[PrimitiveTypeId].reference(), "compat")
    return compat instanceof CustomHandle ? compatCustom(compat) : compat
  }
  return made
}

/** What the manager receives for an argument: a compat proxy travels as its handle. */
const fromCompat = (arg: unknown): unknown => {
  const inner = typeof arg === "object" && arg !== null ? (arg as Record<symbol, unknown>)[CompatWrapsKey] : undefined
  return inner ?? arg
}

/** Python's `BaseManager`: register types, then `start()` a manager process, or `connect()` to a running one. */
export class BaseManager {
  readonly #options: ManagerOptions
  #manager: EffectManager.Manager | undefined
  #scope: Scope.CloseableScope | undefined
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

  private get manager(): EffectManager.Manager {
    if (this.#manager === undefined) {
      throw new ProcessStateError({ message: "the manager is not running: call start() or connect() first" })
    }
    return this.#manager
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
    if (this.#manager !== undefined || this.#starting) throw new ProcessStateError({ message: "the manager has already been started" })
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
      if (callable === undefined) throw new ValueError({ message: `'${typeid}' was registered without a callable: a manager that starts must be able to make it` })
      register[typeid] = { callable, ...(exposed === undefined ? {} : { exposed }) }
    }
    const scope = runSync(Scope.make())
    const authkey = authkeyBytes(this.#options.authkey)
    const made = await runtime.runPromiseExit(Scope.extend(EffectManager.make({
      register,
      registeredOnly: !(this instanceof SyncManager),
      ...(this.#options.address === undefined ? {} : { address: tcpAddress(this.#options.address) }),
      ...(authkey === undefined ? {} : { authkey }),
      ...(options?.initializer === undefined ? {} : { initializer: options.initializer, initargs: options.initargs ?? [] })
    }), scope))
    if (Exit.isFailure(made)) {
      await runtime.runPromise(Scope.close(scope, Exit.void))
      throw Cause.squash(made.cause)
    }
    this.#manager = made.value
    this.#scope = scope
  }

  /** Connects to a manager served over TCP by another program (Python's `connect()`). */
  async connect(): Promise<void> {
    const { address, authkey } = this.#options
    if (address === undefined) throw new ValueError({ message: "connect() needs the manager's address: new BaseManager({ address, authkey })" })
    this.#manager = await runPromise(EffectManager.connect({
      address: tcpAddress(address),
      authkey: authkeyBytes(authkey) ?? familyAuthkey() // Python's: this program's
    }))
  }

  /** Makes an object of a registered (or built-in) type in the manager, and gives its proxy. */
  async create<P = any>(typeid: string, ...args: Array<unknown>): Promise<P> {
    return toCompat(await runPromise(this.manager.create(typeid, ...args.map(fromCompat)))) as P
  }

  /** Stops the manager process this object started; its proxies fail from then on. */
  async shutdown(): Promise<void> {
    const scope = this.#scope
    this.#scope = undefined
    this.#manager = undefined
    if (scope !== undefined) await runtime.runPromise(Scope.close(scope, Exit.void))
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
    if (address === undefined) throw new ValueError({ message: "get_server() needs an address to listen on: new BaseManager({ address, authkey })" })
    const register: Record<string, { callable: (...args: Array<any>) => unknown; exposed?: ReadonlyArray<string> }> = {}
    for (const [typeid, { callable, exposed }] of registryOf(this.constructor)) {
      if (typeof callable !== "function") throw new ValueError({ message: `'${typeid}' needs a function to serve it from this process` })
      register[typeid] = { callable, ...(exposed === undefined ? {} : { exposed }) }
    }
    const key = authkeyBytes(authkey)
    let onListening!: (address: { host: string; port: number }) => void
    const listening = new Promise<{ host: string; port: number }>((resolve) => (onListening = resolve))
    const fiber = runtime.runFork(EffectManager.serve({
      address: tcpAddress(address),
      register,
      ...(key === undefined ? {} : { authkey: key }),
      onListening: (bound) => onListening({ ...bound }),
      holdsProcess: false
    }))
    // Until close(): a failure to listen rejects getServer(), and close() ends serveForever() quietly.
    const served = runtime.runPromiseExit(Fiber.join(fiber)).then((exit) => {
      if (Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause)) throw Cause.squash(exit.cause)
    })
    const bound = await Promise.race([listening, served.then(() => listening)])
    return {
      address: bound,
      // Python's serve_forever() blocks: this program runs until close().
      serveForever: () => runPromise(keepingAlive(Effect.tryPromise({ try: () => served, catch: (error) => error }))),
      close: async () => {
        await runtime.runPromise(Fiber.interrupt(fiber))
        await served
      }
    }
  }
}

markNotData(BaseManager, "a manager", MANAGER_ADVICE)

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

/** Python's `SyncManager`: the built-in types. */
export class SyncManager extends BaseManager {
  dict(initial?: Iterable<readonly [unknown, unknown]> | Readonly<Record<string, unknown>>) {
    return this.create("dict", initial === undefined ? undefined : Symbol.iterator in initial ? [...initial as Iterable<unknown>] : Object.entries(initial))
  }
  list(initial?: Iterable<unknown>) {
    return this.create("list", initial === undefined ? undefined : [...initial])
  }
  Namespace(initial?: Readonly<Record<string, unknown>>) {
    return this.create("Namespace", initial)
  }
  Lock() {
    return this.create("Lock")
  }
  RLock() {
    return this.create("RLock")
  }
  Semaphore(value = 1) {
    return this.create("Semaphore", value)
  }
  BoundedSemaphore(value = 1) {
    return this.create("BoundedSemaphore", value)
  }
  Condition(lock?: unknown) {
    return this.create("Condition", lock)
  }
  Event() {
    return this.create("Event")
  }
  /** Python's `Barrier(parties, action=None, timeout=None)`, without an action (it would run in the manager). */
  Barrier(parties: number, action?: null, timeout?: number | null) {
    if (action !== undefined && action !== null) {
      return Promise.reject(new ValueError({ message: "a manager's Barrier cannot take an action: it would have to run in the manager process" }))
    }
    const limit = seconds(timeout)
    return this.create("Barrier", parties, limit === undefined ? undefined : Duration.toMillis(limit))
  }
  Queue(maxsize = 0) {
    return this.create("Queue", maxsize)
  }
  JoinableQueue(maxsize = 0) {
    return this.create("JoinableQueue", maxsize)
  }
  Value(typecode: string, value: unknown) {
    return this.create("Value", typecode, value)
  }
  Array(typecode: string, values: ReadonlyArray<unknown> | number) {
    return this.create("Array", typecode, values)
  }
}

/** Python's `multiprocessing.Manager()`: a started SyncManager (`await using manager = await Manager()`). */
export const Manager = async (options?: ManagerOptions): Promise<SyncManager> => {
  const manager = new SyncManager(options)
  await manager.start()
  return manager
}
