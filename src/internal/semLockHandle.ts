/**
 * The object every process holds for a Lock, RLock, Semaphore or
 * BoundedSemaphore: the owner's wraps the SemLock itself, another process's
 * reaches it through the owner's channel. Both run the same operations.
 */
import { Duration, Effect, Exit, type Scope } from "effect"
import { type NotOwnerError, type OwnerGoneError, ValueError } from "../Errors.js"
import { type Backend, fiberCaller, local, type Primitive, PrimitiveTypeId, timeoutFromWire, timeoutToWire } from "./primitive.js"
import { FOUND_HELD, type Kind, SemLock } from "./semLock.js"
import { afterCatchUp, catchUp, type Served } from "./resourceServer.js"

export type SemLockKind = "Lock" | "RLock" | "Semaphore" | "BoundedSemaphore"

/** Python's `SEM_VALUE_MAX` stand-in: an unbounded Semaphore may be released without limit. */
const UNBOUNDED = Number.MAX_SAFE_INTEGER

export interface AcquireOptions {
  /** Wait for it (default); false answers at once. */
  readonly block?: boolean
  /** Wait at most this long (forever without one); a zero or negative timeout answers at once. */
  readonly timeout?: Duration.DurationInput
}


const serve = (kind: SemLockKind, core: SemLock): Served => ({
  kind,
  unsafeCall: (method, args, caller) => {
    switch (method) {
      case "acquire": {
        const [block, millis] = args as [boolean, number | null]
        const timeout = timeoutFromWire(millis)
        // Found held, and answering so at once: a release another process posted may not be read yet.
        return afterCatchUp(() => core.unsafeAcquire(caller, block !== false, timeout), (acquired) => acquired === FOUND_HELD)
      }
      case "release":
        return core.unsafeRelease(caller)
      case "getValue":
        catchUp()
        return Effect.succeed(core.getValue())
      case "isMine":
        return Effect.succeed(core.isMine(caller))
      default:
        return Effect.fail(new ValueError({ message: `${kind} has no operation ${method}` }))
    }
  },
  clientGone: (pid) => core.releaseHeldByProcess(pid),
  abandon: (method, caller, exit) => {
    if (method === "acquire" && Exit.isSuccess(exit) && exit.value === true) Effect.runSync(Effect.ignore(core.unsafeRelease(caller)))
  }
})

/** The state behind each owner-side backend, for primitives built on a lock (a Condition's). */
const cores = new WeakMap<Backend, SemLock>()

/** Makes the owner's side: the state and its registration with the resource server. */
export const makeLocal = (kind: SemLockKind, value: number): { backend: Backend; core: SemLock } => {
  const semKind: Kind = kind === "RLock" ? "recursive" : "semaphore"
  const maxValue = kind === "Semaphore" ? UNBOUNDED : kind === "BoundedSemaphore" ? value : 1
  const core = new SemLock(semKind, kind === "Lock" || kind === "RLock" ? 1 : value, maxValue)
  const backend = local(serve(kind, core))
  cores.set(backend, core)
  return { backend, core }
}

/** The SemLock of a handle this process owns; undefined for a proxy. */
export const coreOf = (handle: SemLockHandle): SemLock | undefined => cores.get(handle[PrimitiveTypeId])

export type ReleaseError = ValueError | NotOwnerError | OwnerGoneError

/**
 * What the callers of this process hold of each primitive served elsewhere
 * ("id caller" → acquisitions not yet released). A release of something held
 * cannot fail at the owner, so it is posted rather than waited for: an
 * acquire+release pair costs one round trip, not two.
 */
const holdings = new Map<string, number>()

const hold = (key: string, change: 1 | -1): void => {
  const count = (holdings.get(key) ?? 0) + change
  if (count > 0) holdings.set(key, count)
  else holdings.delete(key)
}

export class SemLockHandle implements Primitive {
  readonly [PrimitiveTypeId]: Backend

  constructor(backend: Backend, readonly kind: SemLockKind) {
    this[PrimitiveTypeId] = backend
  }

  private get backend(): Backend {
    return this[PrimitiveTypeId]
  }

  /** An acquire whose caller was interrupted as it succeeded is released again (see resourceClient). */
  unsafeAcquire(caller: string, block = true, timeout?: Duration.Duration): Effect.Effect<boolean, OwnerGoneError> {
    const acquired = this.backend.call("acquire", [block, timeoutToWire(timeout)], caller, (value) =>
      value === true ? ["release", []] : undefined) as Effect.Effect<boolean, OwnerGoneError>
    if (this.backend.isLocal) return acquired
    const key = `${this.backend.id} ${caller}`
    const count = (value: boolean) => value && hold(key, 1)
    if (Exit.isExit(acquired)) {
      if (Exit.isSuccess(acquired)) count(acquired.value === true)
      return acquired
    }
    return Effect.tap(acquired, count)
  }

  /**
   * In the owner, done once released. From another process, a release of what
   * its caller holds (or of an unbounded Semaphore, which any release may
   * raise) is posted: it reaches the owner before anything the caller sends
   * after it, and the owner reads it before it tells anyone the lock is held.
   * Any other release waits for the owner's answer, which may be a refusal.
   */
  unsafeRelease(caller: string): Effect.Effect<void, ReleaseError> {
    const backend = this.backend
    if (!backend.isLocal) {
      const key = `${backend.id} ${caller}`
      if (holdings.has(key) || this.kind === "Semaphore") {
        hold(key, -1)
        return backend.post("release", [], caller, true) as Effect.Effect<void, ReleaseError>
      }
    }
    return backend.call("release", [], caller) as Effect.Effect<void, ReleaseError>
  }

  unsafeGetValue(caller: string): Effect.Effect<number, OwnerGoneError> {
    return this.backend.call("getValue", [], caller) as Effect.Effect<number, OwnerGoneError>
  }

  unsafeIsMine(caller: string): Effect.Effect<boolean, OwnerGoneError> {
    return this.backend.call("isMine", [], caller) as Effect.Effect<boolean, OwnerGoneError>
  }

  /** Python's `acquire(block, timeout)`: true once acquired; false if it would block, or the timeout ran out. */
  acquire(options?: AcquireOptions): Effect.Effect<boolean, OwnerGoneError> {
    const timeout = options?.timeout === undefined ? undefined : Duration.decode(options.timeout)
    return fiberCaller((caller) => this.unsafeAcquire(caller, options?.block ?? true, timeout))
  }

  /** Python's `release()`: fails on a lock not held, a bounded semaphore at its maximum, an RLock held by another. */
  get release(): Effect.Effect<void, ReleaseError> {
    return fiberCaller((caller) => this.unsafeRelease(caller))
  }

  /** The free permits (for a lock: 1 when unlocked, 0 when locked). */
  get getValue(): Effect.Effect<number, OwnerGoneError> {
    return fiberCaller((caller) => this.unsafeGetValue(caller))
  }

  /**
   * Holds it for the rest of the Scope: acquired now (the wait can be
   * interrupted), released when the Scope closes.
   */
  get held(): Effect.Effect<void, OwnerGoneError, Scope.Scope> {
    return Effect.uninterruptibleMask((restore) =>
      Effect.zipRight(restore(this.acquire()), Effect.addFinalizer(() => quietly(this.release))))
  }

  /**
   * Runs `self` holding it: acquired before, released after, however `self`
   * ends. Waiting for it can be interrupted; a release that fails because the
   * owner has gone is not an error of `self` (there is nothing left to release).
   */
  withLock<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | OwnerGoneError, R> {
    return withHeld(this.acquire(), self, this.release)
  }
}

/** `self` between an acquire (interruptible while it waits) and its release, as `withLock`s do. */
const withHeld = <A, E, R, E2>(
  acquire: Effect.Effect<boolean, E2>,
  self: Effect.Effect<A, E, R>,
  release: Effect.Effect<void, ReleaseError>
): Effect.Effect<A, E | E2, R> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(restore(acquire), () =>
      Effect.ensuring(restore(self), quietly(release)))
  )

/** A release after the work: an owner that has gone leaves nothing to release; anything else is a defect. */
const quietly = (release: Effect.Effect<void, ReleaseError>): Effect.Effect<void> =>
  release.pipe(Effect.catchTag("OwnerGoneError", () => Effect.void), Effect.orDie)
