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
import { Duration, Effect, Either, Option, type Scope } from "effect"
import {
  type AuthenticationError,
  type MultiprocessingError,
  type OSError,
  type OwnerGoneError,
  ProcessError,
  ProcessStateError,
  type RemoteError,
  type SerializationError,
  TypeError,
  ValueError
} from "./Errors.js"
import type { Address } from "./Listener.js"
import type { Multiprocessing } from "./Multiprocessing.js"
import * as Pipe from "./Pipe.js"
import * as Process from "./Process.js"
import * as Target from "./Target.js"
import type { Barrier } from "./Barrier.js"
import type { Condition } from "./Condition.js"
import { familyAuthkey } from "./internal/process/currentProcess.js"
import type { CustomHandle } from "./internal/manager/customProxy.js"
import type { Event } from "./Event.js"
import type { DictHandle, ListHandle, NamespaceHandle } from "./internal/manager/managedObjects.js"
import { FACTORY_ID, type LoadedType, type ManagerOptions, type Registration, serveFactory } from "./internal/manager/managerServer.js"
import { type Backend, type Reference, remote } from "./internal/served/backend.js"
import { prepareTarget, targetSpec } from "./internal/process/targetSpec.js"
import type { JoinableQueue, Queue as SharedQueue } from "./Queue.js"
import { forgetGone, probe as probeServer, trustServer, useServer } from "./internal/served/channel.js"
import * as ResourceServer from "./internal/served/server.js"
import type { Lock } from "./Lock.js"
import type { Semaphore } from "./Semaphore.js"
import type { SharedArray, SharedValue, Typecode } from "./SharedValue.js"
import { authkeyProblem, toManagerClient } from "./internal/wire/handshake.js"
import { MANAGER_ADVICE, markNotData } from "./internal/codec/notData.js"
import * as WallClock from "./internal/wallClock.js"

/** An authkey that is not bytes is a TypeError at the call, as in Python. */
const checkAuthkey = (authkey: unknown): Effect.Effect<void, TypeError> => {
  const problem = authkeyProblem(authkey)
  return problem === undefined ? Effect.void : Effect.fail(new TypeError({ message: problem }))
}

/** The proxies `dict`, `list` and `Namespace` give, by type: to name them (in a target's parameters, say). */
export type { DictHandle, ListHandle, NamespaceHandle }

/** The names of `T`'s methods. */
type MethodNames<T> = { [K in keyof T]: T[K] extends (...args: any) => any ? K : never }[keyof T]

/**
 * Why a proxy's method call failed: what the method threw (a library error as
 * itself, anything else a `RemoteError`), `AttributeError` for a method not
 * exposed, or the manager is gone.
 */
export type ProxyCallError = RemoteError | SerializationError | OwnerGoneError | MultiprocessingError

/**
 * The proxy of a registered type's objects, typed from the type: each method an
 * Effect of what it returns (copied back), e.g. `manager.create<Manager.ProxyOf<Counter>>("Counter", 10)`.
 */
export type ProxyOf<T> =
  & CustomHandle
  & {
    readonly [K in MethodNames<T>]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Effect.Effect<Awaited<R>, ProxyCallError>
      : never
  }

/** A type to register: how to make one (in the manager process), and which methods proxies may call. */
export type Registered =
  | Target.Target
  | { readonly callable: Target.Target; readonly exposed?: ReadonlyArray<string> }

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
 * registered callable's own failure (a library error as itself, anything else
 * a `RemoteError`), or the manager is gone.
 */
export type CreateError = ValueError | RemoteError | OwnerGoneError | MultiprocessingError

/** A running manager, or a connection to one: makes shared objects and gives their proxies. */
export class Manager {
  readonly #backend: Backend

  constructor(
    /** Where it serves (a Unix socket's path, or `{ host, port }` over TCP). */
    readonly address: Address,
    /** The manager process's pid (0 when connected over TCP to another machine's). */
    readonly pid: number,
    reference: Reference,
    /** Stops it (for a manager this program started). */
    readonly shutdown: Effect.Effect<void>
  ) {
    this.#backend = remote(reference)
  }

  /** Makes an object of type `typeid` in the manager and gives its proxy (registered types included). */
  create<A = CustomHandle>(typeid: string, ...args: ReadonlyArray<unknown>): Effect.Effect<A, CreateError> {
    return this.#backend.call("create", [typeid, args], "") as Effect.Effect<A, CreateError>
  }

  dict(initial?: Iterable<readonly [unknown, unknown]> | Readonly<Record<string, unknown>>) {
    return this.create<DictHandle>("dict", initial === undefined ? undefined : initialEntries(initial))
  }
  list(initial?: Iterable<unknown>) {
    return this.create<ListHandle>("list", initial === undefined ? undefined : [...initial])
  }
  Namespace(initial?: Readonly<Record<string, unknown>>) {
    return this.create<NamespaceHandle>("Namespace", initial)
  }
  Lock() {
    return this.create<Lock>("Lock")
  }
  RLock() {
    return this.create<Lock>("RLock")
  }
  Semaphore(value = 1) {
    return this.create<Semaphore>("Semaphore", value)
  }
  BoundedSemaphore(value = 1) {
    return this.create<Semaphore>("BoundedSemaphore", value)
  }
  /** On a Lock or RLock of this manager, or a fresh RLock. */
  Condition(lock?: Lock) {
    return this.create<Condition>("Condition", lock)
  }
  Event() {
    return this.create<Event>("Event")
  }
  /** An `action` cannot be given: it would have to run in the manager. */
  Barrier(parties: number, options?: { readonly timeout?: Duration.DurationInput }) {
    const timeout = options?.timeout === undefined ? undefined : Duration.toMillis(Duration.decode(options.timeout))
    return this.create<Barrier>("Barrier", parties, timeout)
  }
  Queue(maxsize = 0) {
    return this.create<SharedQueue>("Queue", maxsize)
  }
  JoinableQueue(maxsize = 0) {
    return this.create<JoinableQueue>("JoinableQueue", maxsize)
  }
  /** Python's manager `Value`: no lock of its own. */
  Value<T extends Typecode>(typecode: T, value: unknown) {
    return this.create<SharedValue<T>>("Value", typecode, value)
  }
  Array<T extends Typecode>(typecode: T, values: ReadonlyArray<unknown> | number) {
    return this.create<SharedArray<T>>("Array", typecode, values)
  }
}

markNotData(Manager, "a Manager", MANAGER_ADVICE)

const initialEntries = (initial: Iterable<readonly [unknown, unknown]> | Readonly<Record<string, unknown>>) =>
  Symbol.iterator in initial ? [...(initial as Iterable<readonly [unknown, unknown]>)] : Object.entries(initial)

const factoryReference = (address: Address, ownerPid: number, ownerName: string): Reference => ({
  kind: "Manager",
  id: FACTORY_ID,
  address,
  ownerPid,
  ownerName
})

/** A callable as it travels to the manager process (a registered type's, or the initializer). */
const registration = (
  typeid: string,
  callable: Target.Target,
  exposed: ReadonlyArray<string> | undefined
): Effect.Effect<Registration, ValueError> =>
  Effect.gen(function*() {
    if (!/^[^:,]+$/.test(typeid)) return yield* new ValueError({ message: `a typeid must be a non-empty name without ':' or ',', got '${typeid}'` })
    const spec = yield* Effect.mapError(
      targetSpec(callable, typeid),
      (error) => new ValueError({ message: `cannot send '${typeid}' to the manager: ${error.message}` })
    )
    const prepared = yield* Effect.mapError(prepareTarget(spec), (error) => new ValueError({ message: error.message }))
    return {
      typeid,
      callable: prepared.target,
      ...(prepared.typescriptLoader === undefined ? {} : { typescriptLoader: prepared.typescriptLoader }),
      ...(exposed === undefined ? {} : { exposed })
    }
  })

/** Registered types as they travel to the manager process. */
const registrations = (register: Options["register"]): Effect.Effect<Array<Registration>, ValueError> =>
  Effect.forEach(Object.entries(register ?? {}), ([typeid, registered]) =>
    typeof registered === "object" && "callable" in registered
      ? registration(typeid, registered.callable, registered.exposed)
      : registration(typeid, registered as Target.Target, undefined))

const managerTarget = Target.moduleExport<(parent: unknown, options: ManagerOptions) => Promise<void>>(
  new URL("./internal/manager/managerServer.js", import.meta.url),
  "serveManager"
)

let managers = 0

/** How long a starting manager has to say it serves (docs/managers.md). */
const START_PATIENCE = Duration.seconds(30)

/**
 * Starts a manager process (Python's `Manager()`, or `BaseManager.start()`),
 * serving while the Scope is open; when it closes the manager shuts down, and
 * every proxy of its objects fails with `OwnerGoneError`.
 */
export const make = (
  options?: Options
): Effect.Effect<Manager, ValueError | TypeError | ProcessError | OSError | Process.StartError, Multiprocessing | Scope.Scope> =>
  Effect.gen(function*() {
    yield* checkAuthkey(options?.authkey)
    const registered = yield* registrations(options?.register)
    const initializer = options?.initializer === undefined
      ? undefined
      : yield* registration("initializer", options.initializer, undefined)
    const [here, there] = yield* Pipe.make()
    const name = `SyncManager-${++managers}`
    const managerOptions: ManagerOptions = {
      registrations: registered,
      builtins: options?.registeredOnly !== true,
      ...(options?.address === undefined ? {} : { tcp: { ...options.address, authkey: options.authkey ?? familyAuthkey() } }),
      ...(initializer === undefined ? {} : { initializer, initargs: options?.initargs ?? [] })
    }
    const child = yield* Process.start({ target: managerTarget, args: [there, managerOptions], name, daemon: true })
    yield* there.close
    // The manager says where it serves once it does; if it dies first, its failure says why.
    const hello = yield* Effect.either(WallClock.timeout(here.recv, START_PATIENCE))
    if (Either.isLeft(hello)) {
      if (hello.left._tag === "TimeoutException") {
        // Alive but silent (a hung initializer, a machine too busy): it is killed, not waited on further.
        yield* Effect.ignore(child.kill)
        return yield* new ProcessError({
          message: `the manager process did not start serving within ${Duration.format(START_PATIENCE)} ` +
            "(its initializer and registered modules run first); it was killed"
        })
      }
      // Its channel closed: it has ended, and its result says why (an exit without one, by its code).
      const failure = yield* Effect.flip(WallClock.timeout(child.result, "5 seconds")).pipe(Effect.option)
      return yield* new ProcessError({
        message: `the manager process ended before it served: ${Option.match(failure, {
          onNone: () => hello.left.message,
          onSome: (error) => error._tag === "TimeoutException" ? hello.left.message : (error as Error).message
        })}`
      })
    }
    const { address, pid } = hello.right as { address: Address; pid: number }
    // Served over TCP, it names that address in every reference, and asks for its own authkey there.
    if (typeof address !== "string") useServer(address, address, managerOptions.tcp?.authkey ?? familyAuthkey())
    const shutdown = Effect.gen(function*() {
      yield* Effect.ignore(here.send("shutdown"))
      const code = yield* Effect.ignore(child.join("5 seconds")).pipe(Effect.as(child.exitCode))
      if (code === null) yield* Effect.ignore(child.terminate)
    })
    yield* Effect.addFinalizer(() => shutdown)
    return new Manager(address, pid, factoryReference(address, pid, name), shutdown)
  })


/**
 * Connects to a manager another program serves over TCP (Python's
 * `BaseManager.connect()`): a wrong authkey fails with `AuthenticationError`.
 */
export const connect = (options: {
  readonly address: { readonly host: string; readonly port: number }
  readonly authkey: Uint8Array
}): Effect.Effect<Manager, CreateError | OSError | AuthenticationError | TypeError> =>
  Effect.gen(function*() {
    yield* checkAuthkey(options.authkey)
    // One connection of our own first, so that a wrong authkey is the AuthenticationError it is,
    // and to learn the name the server gives itself: references it hands out name it.
    const name = yield* probeServer(options.address, options.authkey).pipe(
      Effect.catchTag("AuthenticationError", (error) => Effect.fail(toManagerClient(error)))
    )
    forgetGone(options.address) // a server that restarted on the same port is a new one
    useServer(options.address, options.address, options.authkey)
    trustServer(name, options.address, options.authkey)
    const probe = remote(factoryReference(options.address, 0, `manager at ${options.address.host}:${options.address.port}`))
    const described = (yield* probe.call("describe", [], "")) as { pid: number; address: Address }
    // It names itself by the address it listens on; this program reaches it here.
    useServer(described.address, options.address, options.authkey)
    return new Manager(options.address, described.pid, factoryReference(options.address, described.pid, "manager"), Effect.void)
  }) as Effect.Effect<Manager, CreateError | OSError | AuthenticationError>

/** What this process serves over TCP through `serve`, if anything: one server at a time. */
let servingOverTcp: string | undefined

/**
 * Serves registered types from this process over TCP until interrupted
 * (Python's `get_server().serve_forever()`). Here the callables run in this
 * process, so they may close over its objects (a queue this process made).
 */
export const serve = (options: {
  readonly address: { readonly host: string; readonly port: number }
  readonly authkey?: Uint8Array
  readonly register: Readonly<Record<string, ((...args: Array<any>) => unknown) | { readonly callable: (...args: Array<any>) => unknown; readonly exposed?: ReadonlyArray<string> }>>
  /** Called once listening, with the address (its port, when 0 was asked). */
  readonly onListening?: (address: { readonly host: string; readonly port: number }) => void
  /**
   * Whether serving keeps this process alive (default true). The compat face's
   * `getServer()` listens without, until `serveForever()` is called.
   */
  readonly holdsProcess?: boolean
}): Effect.Effect<never, ProcessError | ProcessStateError | OSError | ValueError | TypeError> =>
  Effect.acquireUseRelease(
    Effect.gen(function*() {
      yield* checkAuthkey(options.authkey)
      // Every reference this process hands out names its one TCP address, and one factory answers there.
      if (servingOverTcp !== undefined) {
        return yield* new ProcessStateError({
          message: `this process already serves a manager over TCP (${servingOverTcp}): ` +
            "one per process; register every type with that one, or close it first"
        })
      }
      servingOverTcp = `asked for ${options.address.host || "every interface"}:${options.address.port}`
      const types = new Map<string, LoadedType>()
      for (const [typeid, registered] of Object.entries(options.register)) {
        types.set(typeid, typeof registered === "function" ? { callable: registered } : registered)
      }
      serveFactory(types, { builtins: false })
      return yield* Effect.tapError(
        ResourceServer.serveOverTcp(options.address.host, options.address.port, options.authkey ?? familyAuthkey()),
        () =>
          Effect.sync(() => {
            ResourceServer.unregister(FACTORY_ID)
            servingOverTcp = undefined
          })
      )
    }),
    (served) =>
      Effect.zipRight(
        Effect.sync(() => {
          servingOverTcp = `at ${served.address.host}:${served.address.port}`
          if (options.holdsProcess === false) served.holdProcess(false)
          options.onListening?.(served.address)
        }),
        // Effect.never holds the process with a timer; without it, nothing waits.
        options.holdsProcess === false ? Effect.async<never>(() => {}) : Effect.never
      ),
    (served) =>
      Effect.sync(() => {
        served.close()
        ResourceServer.unregister(FACTORY_ID)
        servingOverTcp = undefined
      })
  )
