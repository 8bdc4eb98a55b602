/**
 * What every shared primitive is made of: a Backend that runs its operations
 * — here, when this process owns it (plain calls, no socket), or in its owner,
 * through that owner's channel — and the Reference it travels as.
 *
 * Operations are `unsafe`: they act at once and give an Exit when they are
 * already done, so an uncontended owner-local operation costs no fiber.
 */
import { AsyncLocalStorage } from "node:async_hooks"
import { randomBytes } from "node:crypto"
import { Duration, Effect, Either, FiberRef, Option, type Scope } from "effect"
import { globalValue } from "effect/GlobalValue"
import { TypeError, ValueError } from "../../Errors.js"
import { currentIdentity } from "../thisProcess/currentProcess.js"
import { type Accept, channel, type Reference, type Undo } from "./channel.js"
import { keepingAlive } from "../keepAlive.js"
import * as ResourceServer from "./server.js"
import * as WallClock from "../wallClock.js"
import { isSharedMemoryId, unlinkSegment } from "../native/segmentIds.js"
import { nextOwner, thisThread } from "../thisProcess/thisThread.js"

export type { Reference }

export const PrimitiveTypeId: unique symbol = Symbol.for("effect-multiprocessing/Primitive")

export interface Backend {
  /** The primitive's id with its owner. */
  readonly id: string
  /** The reference another process can reach it by (starts this process's server if it owns it). */
  readonly reference: () => Reference
  readonly isLocal: boolean
  /** `undo` gives back a success its caller will not see; `accept` sees a success as soon as it is read. */
  readonly call: (
    method: string,
    args: ReadonlyArray<unknown>,
    caller: string,
    undo?: Undo,
    accept?: Accept
  ) => Effect.Effect<unknown, unknown>
  /**
   * Runs an operation that cannot fail in the owner without waiting for it
   * there (see resourceClient). `always`: it is sent even after the owner
   * refused an earlier post (it gives back what this process holds).
   */
  readonly post: (method: string, args: ReadonlyArray<unknown>, caller: string, always?: boolean) => Effect.Effect<void, unknown>
}

/** Anything that is a shared primitive: it can say how to reach it. */
export interface Primitive {
  readonly [PrimitiveTypeId]: Backend
}

export const isPrimitive = (u: unknown): u is Primitive => typeof u === "object" && u !== null && PrimitiveTypeId in u

/** The backends of what this process serves, by its Served: a reference that comes back home is local again. */
const localBackends = new WeakMap<ResourceServer.Served, Backend>()

/** The backend of a primitive this process creates and serves. */
export const local = (served: ResourceServer.Served): Backend => {
  const id = ResourceServer.register(served)
  const backend: Backend = {
    id,
    isLocal: true,
    reference: () => ({
      kind: served.kind,
      id,
      address: ResourceServer.address(),
      ownerPid: process.pid,
      ownerName: currentIdentity().name
    }),
    call: (method, args, caller) => keepingAlive(served.unsafeCall(method, args, caller)),
    post: (method, args, caller) => Effect.asVoid(served.unsafeCall(method, args, caller))
  }
  localBackends.set(served, backend)
  return backend
}

/**
 * The backend of a primitive another process serves — or this one, when a
 * reference comes back to its owner (a Condition made on a Lock passed to it):
 * then the owner's own backend, with plain calls.
 */
export const remote = (reference: Reference): Backend => {
  if (reference.ownerPid === process.pid && ResourceServer.servesAt(reference.address)) {
    const served = ResourceServer.lookup(reference.id)
    const backend = served === undefined ? undefined : localBackends.get(served)
    if (backend !== undefined) return backend
  }
  // Looked up on each call: the channel opens on first use, and once its owner is gone it says so.
  return {
    id: reference.id,
    isLocal: false,
    reference: () => reference,
    call: (method, args, caller, undo, accept) => channel(reference).call(reference, method, args, caller, undo, accept),
    post: (method, args, caller, always) => channel(reference).post(reference, method, args, caller, always)
  }
}

/**
 * This process (this thread of it) among every process an owner serves, on
 * any machine: its pid and a random part (pids repeat across machines and
 * containers), then its OS thread id and its own owner number, which a
 * shared-memory lock needs to tell the threads of one process apart (see
 * lock/holder.ts). A caller is this tag, or this tag and ":owner" (see below);
 * an owner releases what a process held by its tag when that process goes.
 */
let tag: string | undefined
/** Made at first use, not at load: the start-up snapshot would give every process started from it the same. */
const processTag = (): string => (tag ??= `${process.pid}.${randomBytes(4).toString("hex")}.${thisThread()}.${nextOwner()}`)

/** This thread's caller, for what acts for the thread itself whatever owner runs (a Barrier's own mutex). */
export const threadCaller = processTag

/**
 * Who holds a lock (an RLock's holder, a Condition's lock), as Python's thread
 * does: the process, unless an Effect runs as an owner of its own (`asOwner`).
 * Fibers inherit it, so what Effect forks on its own (a timeout, a race) acts
 * for the same owner. Undefined stands for the process's tag.
 */
const currentOwner = globalValue(Symbol.for("effect-multiprocessing/currentOwner"), () =>
  FiberRef.unsafeMake<string | undefined>(undefined))

/** Runs `self` as an owner of its own: what it acquires, only it (and the fibers it forks) holds. */
export const asOwner = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.suspend(() => Effect.locally(self, currentOwner, `${processTag()}:${nextOwner()}`))

/** The Effect face's caller: the current owner. */
export const fiberCaller = <A, E, R>(f: (caller: string) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(FiberRef.get(currentOwner), (owner) => f(owner ?? processTag()))

/**
 * The compat face's owners: the process, or, inside a `withLock` body, that
 * body's asynchronous task (what a thread is to Python): two tasks of one
 * process running `withLock` at once exclude each other, and a task re-enters an
 * RLock it holds.
 */
const taskOwner = new AsyncLocalStorage<string>()


/** The compat face's caller. */
export const processCaller = (): string => taskOwner.getStore() ?? processTag()

/** Runs `body` as a task of its own (unless it already runs in one): see `taskOwner`. */
export const asTask = <T>(body: () => Promise<T>): Promise<T> =>
  taskOwner.getStore() !== undefined ? body() : taskOwner.run(`${processTag()}:task${nextOwner()}`, body)

/** A bad argument as a message shows it: `"2" (a string)`. */
export const shown = (value: unknown): string => {
  if (value === null) return "null"
  if (typeof value === "string") return `${JSON.stringify(value)} (a string)`
  if (typeof value === "object" || typeof value === "function") return `a ${typeof value === "function" ? "function" : value.constructor?.name ?? "object"}`
  return `${String(value)} (a ${typeof value})`
}

/**
 * A wait's `block` and `timeout` arguments, checked at the call (Python's
 * TypeError or ValueError): `block` a boolean, `timeout` a Duration input
 * (`what` names the call in the message).
 */
export const checkedWait = (
  what: string,
  block: unknown,
  timeout: unknown
): Either.Either<Duration.Duration | undefined, TypeError | ValueError> => {
  if (block !== undefined && typeof block !== "boolean") {
    return Either.left(new TypeError({ message: `${what}: block must be a boolean, got ${shown(block)}` }))
  }
  if (timeout === undefined) return Either.right(undefined)
  if (typeof timeout === "number" && Number.isNaN(timeout)) {
    return Either.left(new ValueError({ message: `${what}: timeout must be a number of milliseconds or a Duration, got NaN` }))
  }
  const decoded = Duration.decodeUnknown(timeout)
  return Option.isSome(decoded)
    ? Either.right(decoded.value)
    : Either.left(new TypeError({ message: `${what}: timeout must be a Duration (e.g. "2 seconds" or milliseconds), got ${shown(timeout)}` }))
}

/** Whether a wait answers at once instead of waiting: Python's `block=False`, or a timeout of zero or less. */
export const answersAtOnce = (block: boolean, timeout: Duration.Duration | undefined): boolean =>
  !block || (timeout !== undefined && Duration.lessThanOrEqualTo(timeout, Duration.zero))

/** Waits for `woken`, at most `timeout` of wall time (forever without one): whether it came in time. */
export const awaitWithin = <E>(woken: Effect.Effect<unknown, E>, timeout: Duration.Duration | undefined): Effect.Effect<boolean, E> =>
  timeout === undefined || !Duration.isFinite(timeout)
    ? Effect.as(woken, true)
    : Effect.map(WallClock.timeoutOption(woken, timeout), Option.isSome)

/**
 * A primitive made by this process, served while the Scope is open: `ids` are
 * what it registered (its own lock's too, when it made one).
 */
export const scopedServed = <H, E>(
  make: Effect.Effect<{ readonly handle: H; readonly ids: ReadonlyArray<string> }, E>
): Effect.Effect<H, E, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(make, ({ ids }) =>
      Effect.sync(() =>
        ids.forEach((id) => {
          if (!isSharedMemoryId(id)) return ResourceServer.unregister(id)
          unlinkSegment(id)
          // Served to processes that cannot map it, once it travelled (served/throughOwner.ts): no more.
          if (ResourceServer.lookup(id) !== undefined) ResourceServer.unregister(id)
        })
      )),
    ({ handle }) => handle
  )

/** A timeout as it travels: milliseconds, or null for none (or an infinite one). */
export const timeoutToWire = (timeout: Duration.Duration | undefined): number | null =>
  timeout === undefined || !Duration.isFinite(timeout) ? null : Duration.toMillis(timeout)

export const timeoutFromWire = (millis: unknown): Duration.Duration | undefined =>
  typeof millis === "number" ? Duration.millis(millis) : undefined
