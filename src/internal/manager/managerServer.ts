/**
 * A manager's server: the object that makes shared objects on request
 * (Python's `Server.create`), and the process that runs it.
 *
 * Everything a manager makes is an ordinary shared object of the process that
 * serves it (see served/server.ts): `create` returns its handle, which travels
 * back to the caller as a reference and becomes a proxy there. A dict stored
 * in a list stays a live proxy, because handles travel as references wherever
 * they are.
 *
 * `serveManager` is the manager process's target: it loads the registered
 * callables, optionally listens on TCP with the manager's authkey, sends the
 * factory back to its parent over a Pipe, and serves until the parent says
 * `shutdown` or goes away. Its process revives references of every kind: the
 * child bootstrap loaded kinds.ts before it, to revive the parent's Pipe end.
 */
import { Effect, Exit, Scope } from "effect"
import * as Barrier from "../../Barrier.js"
import * as Condition from "../../Condition.js"
import * as Errors from "../../Errors.js"
import * as Event from "../../Event.js"
import * as Lock from "../../Lock.js"
import * as ProcessQueue from "../../ProcessQueue.js"
import * as Semaphore from "../../Semaphore.js"
import * as SharedValue from "../../SharedValue.js"
import { loadInlineTarget, loadModuleTarget } from "../child/targets.js"
import { wrappedByCompat } from "../faces.js"
import type { TargetSpec } from "../child/controlMessages.js"
import { type Backend, isPrimitive, local, type Primitive, PrimitiveTypeId } from "../served/backend.js"
import * as ResourceServer from "../served/server.js"
import * as Dict from "./dict.js"
import * as List from "./list.js"
import * as Namespace from "./namespace.js"

/** The id the factory is always served under: a client that knows only the address starts there. */
export const FACTORY_ID = "manager"

/** A user type, as it travels to the manager process. */
export interface Registration {
  readonly typeid: string
  /** How to make one; none for a client that only names a type the server knows (Python's `register(typeid)`). */
  readonly callable?: TargetSpec
  /** The TypeScript loader its module needs, if any. */
  readonly typescriptLoader?: string
  /** Methods a proxy may call; by default every public method (no leading underscore). */
  readonly exposed?: ReadonlyArray<string>
}

type Callable = (...args: Array<any>) => unknown

/** A proxy called a method its object does not expose: as in Python, the server raises AttributeError. */
const notExposed = (typeid: string, method: string, exposed: ReadonlyArray<string>) =>
  new Errors.AttributeError({
    message: `method '${method}' of ${typeid} object is not exposed (exposed: ${exposed.join(", ") || "none"})`
  })

/** The public methods of an object, as Python exposes them by default. */
const publicMethods = (object: object): Array<string> => {
  const names = new Set<string>()
  for (let at: object | null = object; at !== null && at !== Object.prototype; at = Object.getPrototypeOf(at)) {
    for (const name of Object.getOwnPropertyNames(at)) {
      if (name === "constructor" || name.startsWith("_")) continue
      const descriptor = Object.getOwnPropertyDescriptor(at, name)
      if (typeof descriptor?.value === "function") names.add(name)
    }
  }
  return [...names].sort()
}

/** An object of a registered type, served: its exposed methods, called as they are. */
const serveCustom = (typeid: string, object: Record<string, unknown>, exposed: ReadonlyArray<string>): Primitive => {
  const allowed = new Set(exposed)
  const backend = local({
    kind: `Custom:${typeid}:${exposed.join(",")}`,
    unsafeCall: (method, args) => {
      if (!allowed.has(method) || typeof object[method] !== "function") {
        return Exit.fail(notExposed(typeid, method, exposed))
      }
      return Effect.tryPromise({
        try: async () => (object[method] as Callable)(...args),
        catch: (error) => error
      })
    }
  })
  return new ServedObject(backend)
}

/** What `create` returns for an object of a registered type: a class instance, so that the codec sends it as a reference. */
class ServedObject implements Primitive {
  readonly [PrimitiveTypeId]: Backend
  constructor(backend: Backend) {
    this[PrimitiveTypeId] = backend
  }
}

/** The shared object a value stands for (a handle, or a compat wrapper), if it is one. */
const asPrimitive = (value: unknown): Primitive | undefined => {
  const primitive = isPrimitive(value) ? value : wrappedByCompat(value)
  return isPrimitive(primitive) ? primitive : undefined
}

/** What the manager makes is served as long as the manager runs. */
const servedForLife = Effect.runSync(Scope.make())

/** The types every manager makes (Python's SyncManager), from their arguments on the wire. */
const builtins: Record<string, (...args: Array<any>) => Effect.Effect<unknown, unknown, Scope.Scope>> = {
  dict: (initial) => Dict.make(initial),
  list: (initial) => List.make(initial),
  Namespace: (initial) => Namespace.make(initial),
  Lock: () => Lock.make(),
  RLock: () => Lock.makeRLock(),
  Semaphore: (value = 1) => Semaphore.make(value),
  BoundedSemaphore: (value = 1) => Semaphore.makeBounded(value),
  Condition: (lock) => Condition.make(lock),
  Event: () => Event.make(),
  Barrier: (parties, timeoutMillis) => Barrier.make(parties, typeof timeoutMillis === "number" ? { timeout: timeoutMillis } : undefined),
  Queue: (maxsize = 0) => ProcessQueue.make({ maxsize }),
  JoinableQueue: (maxsize = 0) => ProcessQueue.makeJoinable({ maxsize }),
  // Python's manager Value and Array carry no lock of their own.
  Value: (typecode, value) => SharedValue.makeRawValue(typecode, value),
  Array: (typecode, values) => SharedValue.makeRawArray(typecode, values)
}

export interface LoadedType {
  readonly callable: Callable
  readonly exposed?: ReadonlyArray<string>
}

/**
 * Serves the factory under `FACTORY_ID`: `create(typeid, args)` makes an
 * object and returns it (as a handle, which the caller receives as a proxy);
 * `describe` says who serves and what it makes.
 */
export const serveFactory = (types: ReadonlyMap<string, LoadedType>, options: { readonly builtins: boolean }): void => {
  const makes = (typeid: string) => options.builtins && Object.hasOwn(builtins, typeid)
  const create = (typeid: string, args: ReadonlyArray<unknown>): Effect.Effect<unknown, unknown> => {
    const custom = types.get(typeid)
    if (custom !== undefined) {
      return Effect.flatMap(
        Effect.tryPromise({ try: async () => custom.callable(...args), catch: (error) => error }),
        (made) => {
          const primitive = asPrimitive(made)
          if (primitive !== undefined) return Effect.succeed(primitive)
          if (typeof made !== "object" || made === null) {
            return Effect.fail(new Errors.ValueError({ message: `the callable registered for '${typeid}' returned ${String(made)}, not an object` }))
          }
          return Effect.succeed(serveCustom(typeid, made as Record<string, unknown>, custom.exposed ?? publicMethods(made)))
        }
      )
    }
    if (!makes(typeid)) {
      const known = [...(options.builtins ? Object.keys(builtins) : []), ...types.keys()].join(", ") || "nothing"
      return Effect.fail(new Errors.ValueError({ message: `unknown typeid '${typeid}': this manager makes ${known}` }))
    }
    return Scope.extend(builtins[typeid](...args), servedForLife)
  }
  ResourceServer.registerAs(FACTORY_ID, {
    kind: "Manager",
    unsafeCall: (method, args) => {
      switch (method) {
        case "create":
          return create(args[0] as string, (args[1] ?? []) as ReadonlyArray<unknown>)
        case "describe":
          return Exit.succeed({
            pid: process.pid,
            address: ResourceServer.address(),
            typeids: [...(options.builtins ? Object.keys(builtins) : []), ...types.keys()]
          })
        default:
          return Exit.fail(new Errors.ValueError({ message: `a manager has no operation ${method}` }))
      }
    }
  })
}

/**
 * Loads a registered callable sent as a target description, exactly as a
 * Process's child loads its target: an inline one gets the same helpers
 * (`require`, the transpilers' `__name`…) that the parent's check counted on.
 */
const load = async (registration: Registration): Promise<LoadedType | undefined> => {
  const spec = registration.callable
  if (spec === undefined) return undefined
  const callable = spec._tag === "Inline" ? loadInlineTarget(spec) : await loadModuleTarget(spec, registration.typescriptLoader)
  return { callable, ...(registration.exposed === undefined ? {} : { exposed: registration.exposed }) }
}

interface ParentChannel {
  readonly send: (message: unknown) => Effect.Effect<void, unknown>
  readonly recv: Effect.Effect<unknown, unknown>
}

export interface ManagerOptions {
  readonly registrations: ReadonlyArray<Registration>
  /** TCP to listen on besides the family's Unix socket. */
  readonly tcp?: { readonly host: string; readonly port: number; readonly authkey: Uint8Array }
  /** Runs before serving (its `typeid` is "initializer"). */
  readonly initializer?: Registration
  readonly initargs?: ReadonlyArray<unknown>
  /** Whether it makes the built-in types too (Python's SyncManager), or only registered ones (BaseManager). */
  readonly builtins: boolean
}

/** The manager process: serves until its parent sends "shutdown" or goes away. */
export const serveManager = async (parent: ParentChannel, options: ManagerOptions): Promise<void> => {
  if (options.initializer !== undefined) {
    const init = await load(options.initializer)
    await init?.callable(...(options.initargs ?? []))
  }
  const types = new Map<string, LoadedType>()
  for (const registration of options.registrations) {
    const loaded = await load(registration)
    if (loaded !== undefined) types.set(registration.typeid, loaded)
  }
  serveFactory(types, { builtins: options.builtins })
  let address: unknown = ResourceServer.address()
  if (options.tcp !== undefined) {
    const served = await Effect.runPromise(serveOverTcp(options.tcp))
    address = served.address
  }
  await Effect.runPromise(parent.send({ address, pid: process.pid }))
  // Serves until told to stop, or until the parent is gone (end of file).
  await Effect.runPromise(Effect.ignore(parent.recv))
  process.exit(0)
}

const serveOverTcp = (tcp: NonNullable<ManagerOptions["tcp"]>) =>
  ResourceServer.serveOverTcp(tcp.host, tcp.port, tcp.authkey)
