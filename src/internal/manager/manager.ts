/**
 * The Manager's client side: starting a manager process (`make`), connecting
 * to one over TCP (`connect`), serving registered types from this process
 * (`server`, `serve`), and the object that asks a manager for new shared
 * objects. The manager's own side is managerServer.ts.
 */
import { Deferred, Duration, Effect, Either, Option } from "effect"
import { type AuthenticationError, type OSError, ProcessError, ProcessStateError, TypeError, ValueError } from "../../Errors.js"
import type { Address } from "../../Listener.js"
import type * as Public from "../../Manager.js"
import * as Pipe from "../../Pipe.js"
import * as Process from "../../Process.js"
import * as Target from "../../Target.js"
import { MANAGER_ADVICE, markNotData } from "../codec/notData.js"
import { keepingAlive } from "../keepAlive.js"
import { familyAuthkey } from "../thisProcess/currentProcess.js"
import { prepareTarget, targetSpec } from "../process/targetSpec.js"
import { type Backend, type Reference, remote } from "../served/backend.js"
import { forgetGone, probe as probeServer, trustServer, useServer } from "../served/channel.js"
import * as ResourceServer from "../served/server.js"
import * as WallClock from "../wallClock.js"
import { authkeyProblem, toManagerClient } from "../wire/handshake.js"
import { FACTORY_ID, type LoadedType, type ManagerOptions, type Registration, serveFactory } from "./managerServer.js"

/** An authkey that is not bytes is a TypeError at the call, as in Python. */
export const checkAuthkey = (authkey: unknown): Effect.Effect<void, TypeError> => {
  const problem = authkeyProblem(authkey)
  return problem === undefined ? Effect.void : Effect.fail(new TypeError({ message: problem }))
}

type M = Public.Manager

class ManagerClient implements Public.Manager {
  readonly #backend: Backend

  constructor(readonly address: Address, readonly pid: number, reference: Reference, readonly shutdown: Effect.Effect<void>) {
    this.#backend = remote(reference)
  }

  create<A>(typeid: string, ...args: ReadonlyArray<unknown>): Effect.Effect<A, Public.CreateError> {
    return this.#backend.call("create", [typeid, args], "") as Effect.Effect<A, Public.CreateError>
  }

  readonly dict: M["dict"] = (initial) =>
    this.create("dict", initial === undefined ? undefined : Symbol.iterator in initial ? [...initial as Iterable<unknown>] : Object.entries(initial))
  readonly list: M["list"] = (initial) => this.create("list", initial === undefined ? undefined : [...initial])
  readonly Namespace: M["Namespace"] = (initial) => this.create("Namespace", initial)
  readonly Lock: M["Lock"] = () => this.create("Lock")
  readonly RLock: M["RLock"] = () => this.create("RLock")
  readonly Semaphore: M["Semaphore"] = (value = 1) => this.create("Semaphore", value)
  readonly BoundedSemaphore: M["BoundedSemaphore"] = (value = 1) => this.create("BoundedSemaphore", value)
  readonly Condition: M["Condition"] = (lock) => this.create("Condition", lock)
  readonly Event: M["Event"] = () => this.create("Event")
  readonly Barrier: M["Barrier"] = (parties, options) =>
    this.create("Barrier", parties, options?.timeout === undefined ? undefined : Duration.toMillis(Duration.decode(options.timeout)))
  readonly Queue: M["Queue"] = (maxsize = 0) => this.create("Queue", maxsize)
  readonly JoinableQueue: M["JoinableQueue"] = (maxsize = 0) => this.create("JoinableQueue", maxsize)
  readonly Value: M["Value"] = (typecode, value) => this.create("Value", typecode, value)
  readonly Array: M["Array"] = (typecode, values) => this.create("Array", typecode, values)
}

markNotData(ManagerClient, "a Manager", MANAGER_ADVICE)

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
const registrations = (register: Public.Options["register"]): Effect.Effect<Array<Registration>, ValueError> =>
  Effect.forEach(Object.entries(register ?? {}), ([typeid, registered]) =>
    typeof registered === "object" && "callable" in registered
      ? registration(typeid, registered.callable, registered.exposed)
      : registration(typeid, registered as Target.Target, undefined))

const managerTarget = Target.moduleExport<(parent: unknown, options: ManagerOptions) => Promise<void>>(
  new URL("./managerServer.js", import.meta.url),
  "serveManager"
)

let managers = 0

/** How long a starting manager has to say it serves (docs/managers.md). */
const START_PATIENCE = Duration.seconds(30)

export const make = (options?: Public.Options) =>
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
    return new ManagerClient(address, pid, factoryReference(address, pid, name), shutdown) as Public.Manager
  })

export const connect = (options: { readonly address: { readonly host: string; readonly port: number }; readonly authkey?: Uint8Array }) =>
  Effect.gen(function*() {
    yield* checkAuthkey(options.authkey)
    const authkey = options.authkey ?? familyAuthkey() // Python's: this program's
    // One connection of our own first, so that a wrong authkey is the AuthenticationError it is,
    // and to learn the name the server gives itself: references it hands out name it.
    const name = yield* probeServer(options.address, authkey).pipe(
      Effect.catchTag("AuthenticationError", (error) => Effect.fail(toManagerClient(error)))
    )
    forgetGone(options.address) // a server that restarted on the same port is a new one
    useServer(options.address, options.address, authkey)
    trustServer(name, options.address, authkey)
    const probe = remote(factoryReference(options.address, 0, `manager at ${options.address.host}:${options.address.port}`))
    const described = (yield* probe.call("describe", [], "")) as { pid: number; address: Address }
    // It names itself by the address it listens on; this program reaches it here.
    useServer(described.address, options.address, authkey)
    return new ManagerClient(options.address, described.pid, factoryReference(options.address, described.pid, "manager"), Effect.void) as Public.Manager
  }) as Effect.Effect<Public.Manager, Public.CreateError | OSError | AuthenticationError | TypeError>

/** What this process serves over TCP through `server`, if anything: one server at a time. */
let servingOverTcp: string | undefined

export const server = (options: Public.ServeOptions) =>
  Effect.gen(function*() {
    const served = yield* Effect.acquireRelease(
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
          () => Effect.sync(stopServing)
        )
      }),
      (served) => Effect.sync(() => (served.close(), stopServing()))
    )
    servingOverTcp = `at ${served.address.host}:${served.address.port}`
    // Listening does not hold the process; serveForever does, until the Scope closes.
    served.holdProcess(false)
    const closed = yield* Deferred.make<void>()
    yield* Effect.addFinalizer(() => Deferred.succeed(closed, undefined))
    return { address: served.address, serveForever: keepingAlive(Deferred.await(closed)) } satisfies Public.Server
  })

const stopServing = () => {
  ResourceServer.unregister(FACTORY_ID)
  servingOverTcp = undefined
}

export const serve = (options: Parameters<typeof Public.serve>[0]) =>
  Effect.scoped(Effect.flatMap(server(options), (served) => {
    options.onListening?.(served.address)
    return Effect.zipRight(served.serveForever, Effect.never)
  }))
