/**
 * The object every process holds for a Lock, RLock, Semaphore or
 * BoundedSemaphore: the owner's wraps the SemLock itself, another process's
 * reaches it through the owner's channel. Both run the same operations.
 */
import { Duration, Effect, Either, Exit, type Scope } from "effect"
import { type NotOwnerError, type OwnerGoneError, TypeError, ValueError } from "../../Errors.js"
import { Borrowed, borrowedLock, Lending, LENT, returnLease } from "./lease.js"
import {
  answersAtOnce,
  type Backend,
  checkedWait,
  fiberCaller,
  local,
  type Primitive,
  PrimitiveTypeId,
  remote,
  shown,
  timeoutFromWire,
  timeoutToWire
} from "../served/backend.js"
import { ACQUIRED, FOUND_HELD, type Kind, SemLock } from "./semLock.js"
import { afterCatchUp, catchUp, type Client, type Served } from "../served/server.js"
import { registerRevival } from "../served/revive.js"

export type SemLockKind = "Lock" | "RLock" | "Semaphore" | "BoundedSemaphore"

/** Python's `SEM_VALUE_MAX` stand-in: an unbounded Semaphore may be released without limit. */
const UNBOUNDED = Number.MAX_SAFE_INTEGER

export interface AcquireOptions {
  /** Wait for it (default); false answers at once. */
  readonly block?: boolean
  /** Wait at most this long (forever without one); a zero or negative timeout answers at once. */
  readonly timeout?: Duration.DurationInput
}


/** Why `value` cannot start a Semaphore (Python's TypeError or ValueError), when it cannot. */
export const semaphoreValueError = (value: unknown): TypeError | ValueError | undefined => {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    return new TypeError({ message: `a semaphore's initial value must be an integer, got ${shown(value)}` })
  }
  return Number.isSafeInteger(value) && value >= 0
    ? undefined
    : new ValueError({ message: `semaphore initial value must be a non-negative integer, got ${value}` })
}

const LENT_EXIT: Exit.Exit<unknown> = Exit.succeed(LENT)

/**
 * How long an acquire that answers at once waits for a borrower to give a
 * lent lock back before it answers "held": the answer usually comes in tens of
 * microseconds; a borrower whose event loop is busy may take long.
 */
const RECALL_PATIENCE = Duration.millis(100)

/** The owner's side of a semaphore; a Lock's or RLock's may be lent (`lending`, see lockLease.ts). */
const serve = (kind: SemLockKind, core: SemLock, lending: Lending | undefined): Served => {
  const run = (method: string, args: ReadonlyArray<unknown>, caller: string, client: Client | undefined) => {
    switch (method) {
      case "acquire": {
        const [block, millis] = args as [boolean, number | null]
        const timeout = timeoutFromWire(millis)
        const wasFree = !core.isLocked
        // Found held, and answering so at once: a release another process posted may not be read yet.
        const acquired = afterCatchUp(() => core.unsafeAcquire(caller, block !== false, timeout), (acquired) => acquired === FOUND_HELD)
        return lending?.tried(caller, client, wasFree && acquired === ACQUIRED) === true ? LENT_EXIT : acquired
      }
      case "release":
        // Not the holder's own release: the holder's posted release may not be read yet, and would
        // make this one refused (a Lock found free, a BoundedSemaphore at its maximum).
        if (core.maxValue !== UNBOUNDED && !core.isMine(caller)) catchUp()
        return core.unsafeRelease(caller)
      case "getValue":
        catchUp()
        return Effect.succeed(core.getValue())
      case "isMine":
        return Effect.succeed(core.isMine(caller))
      default:
        return Effect.fail(new ValueError({ message: `${kind} has no operation ${method}` }))
    }
  }
  return {
    kind,
    unsafeCall: (method, args, caller, client) => {
      if (lending === undefined) return run(method, args, caller, client)
      if (method === "return") {
        lending.returned(client, args[0], args[1])
        return Exit.void
      }
      if (!lending.isLent) return run(method, args, caller, client)
      // Lent: whatever else touches the lock waits for it to come back (and is not lent it then).
      if (method !== "acquire") return lending.whenHome(() => run(method, args, caller, undefined))
      // An acquire that answers at once, or within a timeout, waits for the borrower no longer than that.
      const [block, millis] = args as [boolean, number | null]
      const timeout = timeoutFromWire(millis)
      const patience = answersAtOnce(block !== false, timeout) ? RECALL_PATIENCE : timeout
      if (patience === undefined || !Duration.isFinite(patience)) return lending.whenHome(() => run(method, args, caller, undefined))
      const deadline = performance.now() + Duration.toMillis(patience)
      return lending.whenHome(
        () => run(method, [block, millis === null ? null : Math.max(0, deadline - performance.now())], caller, undefined),
        { within: patience, orElse: () => FOUND_HELD }
      )
    },
    clientGone: (pid, client) => {
      core.releaseHeldByProcess(pid)
      lending?.clientGone(client)
    },
    unregistered: () => lending?.unregistered(),
    abandon: (method, caller, exit) => {
      if (method === "acquire" && Exit.isSuccess(exit) && exit.value === true) Effect.runSync(Effect.ignore(core.unsafeRelease(caller)))
    }
  }
}

/** The state behind each owner-side backend, for primitives built on a lock (a Condition's). */
const cores = new WeakMap<Backend, { readonly core: SemLock; readonly lending: Lending | undefined }>()

/** Makes the owner's side: the state and its registration with the resource server. */
export const makeLocal = (kind: SemLockKind, value: number): { backend: Backend; core: SemLock } => {
  const semKind: Kind = kind === "RLock" ? "recursive" : "semaphore"
  const maxValue = kind === "Semaphore" ? UNBOUNDED : kind === "BoundedSemaphore" ? value : 1
  const core = new SemLock(semKind, kind === "Lock" || kind === "RLock" ? 1 : value, maxValue)
  const lending = kind === "Lock" || kind === "RLock" ? new Lending(core, () => backend.id) : undefined
  const backend: Backend = local(serve(kind, core, lending))
  cores.set(backend, { core, lending })
  return { backend, core }
}

/**
 * The SemLock of a handle this process owns (undefined for a proxy), for a
 * Condition built on it, which reads its state here: the lock is lent no more
 * from now on (a lease still out comes back at `lending.whenHome`).
 */
export const coreForCondition = (handle: SemLockHandle): { readonly core: SemLock; readonly lending: Lending | undefined } | undefined => {
  const local = cores.get(handle[PrimitiveTypeId])
  local?.lending?.keep()
  return local
}

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

  /**
   * An acquire whose caller was interrupted as it succeeded is released again
   * (see resourceClient). From another process: a lock lent here is taken
   * here; the owner may lend it with an acquire (see lockLease.ts).
   */
  unsafeAcquire(caller: string, block = true, timeout?: Duration.Duration): Effect.Effect<boolean, OwnerGoneError> {
    const backend = this.backend
    if (backend.isLocal) {
      return backend.call("acquire", [block, timeoutToWire(timeout)], caller, undefined) as Effect.Effect<boolean, OwnerGoneError>
    }
    const lease = borrowedLock(backend.id)
    if (lease !== undefined) return this.acquireBorrowed(lease, caller, block, timeout)
    let lentHere = false
    const acquired = backend.call(
      "acquire",
      [block, timeoutToWire(timeout)],
      caller,
      (value) => {
        if (value === true) return ["release", []]
        if (value !== LENT) return undefined
        if (!lentHere) return returnLease(undefined, 1)
        // Lent here, and maybe recalled since: released where it is now held. Not read for a
        // recall here: the channel is in the middle of handling what it read.
        const lease = borrowedLock(backend.id)
        if (lease !== undefined) lease.release(caller, false)
        else Effect.runSync(Effect.ignore(this.unsafeRelease(caller)))
        return undefined
      },
      (value) => {
        if (value !== LENT) return
        lentHere = true
        new Borrowed(backend.reference(), this.kind === "RLock", caller, (holder, depth) => {
          for (let level = 0; level < depth; level++) hold(`${backend.id} ${holder}`, 1)
        })
      }
    ) as Effect.Effect<boolean | typeof LENT, OwnerGoneError>
    const key = `${backend.id} ${caller}`
    const taken = (value: boolean | typeof LENT): boolean => {
      if (value === true) hold(key, 1)
      return value !== false
    }
    if (Exit.isExit(acquired)) return Exit.map(acquired as Exit.Exit<boolean | typeof LENT, OwnerGoneError>, taken)
    return Effect.map(acquired, taken)
  }

  /** An acquire of a lock lent to this process: taken here, or waited for here until released or recalled. */
  private acquireBorrowed(
    lease: Borrowed,
    caller: string,
    block: boolean,
    timeout: Duration.Duration | undefined
  ): Effect.Effect<boolean, OwnerGoneError> {
    if (lease.tryTake(caller)) return ACQUIRED
    if (answersAtOnce(block, timeout)) return FOUND_HELD
    const deadline = timeout === undefined || !Duration.isFinite(timeout) ? undefined : performance.now() + Duration.toMillis(timeout)
    return Effect.flatMap(lease.changed(timeout), (inTime) => {
      if (!inTime) return FOUND_HELD
      const left = deadline === undefined ? undefined : Duration.millis(Math.max(0, deadline - performance.now()))
      return this.unsafeAcquire(caller, true, left)
    })
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
      const lease = borrowedLock(backend.id)
      if (lease !== undefined) return lease.release(caller)
      const key = `${backend.id} ${caller}`
      if (holdings.has(key) || this.kind === "Semaphore") {
        hold(key, -1)
        return backend.post("release", [], caller, true) as Effect.Effect<void, ReleaseError>
      }
    }
    return backend.call("release", [], caller) as Effect.Effect<void, ReleaseError>
  }

  unsafeGetValue(caller: string): Effect.Effect<number, OwnerGoneError> {
    const lease = this.backend.isLocal ? undefined : borrowedLock(this.backend.id)
    if (lease !== undefined) return Exit.succeed(lease.isFree ? 1 : 0)
    return this.backend.call("getValue", [], caller) as Effect.Effect<number, OwnerGoneError>
  }

  /**
   * Whether `caller` holds it, as far as this process knows without asking
   * anyone: the owner's state, a lease's, or what this process's callers
   * acquired through the proxy and have not released.
   */
  unsafeHeldBy(caller: string): boolean {
    const backend = this.backend
    if (backend.isLocal) return cores.get(backend)?.core.isMine(caller) ?? false
    const lease = borrowedLock(backend.id)
    return lease !== undefined ? lease.isMine(caller) : holdings.has(`${backend.id} ${caller}`)
  }

  unsafeIsMine(caller: string): Effect.Effect<boolean, OwnerGoneError> {
    const lease = this.backend.isLocal ? undefined : borrowedLock(this.backend.id)
    if (lease !== undefined) return Exit.succeed(lease.isMine(caller))
    return this.backend.call("isMine", [], caller) as Effect.Effect<boolean, OwnerGoneError>
  }

  /**
   * Python's `acquire(block, timeout)`: true once acquired; false if it would
   * block, or the timeout ran out. A `block` that is not a boolean, or a
   * timeout that is not a Duration, fails at once (TypeError).
   */
  acquire(options?: AcquireOptions): Effect.Effect<boolean, OwnerGoneError | TypeError | ValueError> {
    return Effect.suspend((): Effect.Effect<boolean, OwnerGoneError | TypeError | ValueError> => {
      if (options !== undefined && (typeof options !== "object" || options === null)) {
        return Effect.fail(new TypeError({ message: `acquire takes options { block, timeout }, got ${shown(options)}` }))
      }
      const timeout = checkedWait("acquire", options?.block, options?.timeout)
      if (Either.isLeft(timeout)) return Effect.fail(timeout.left)
      return fiberCaller((caller) => this.unsafeAcquire(caller, options?.block ?? true, timeout.right))
    })
  }

  /** An acquire that waits as long as it takes (for `held` and `withLock`). */
  private get acquireWaiting(): Effect.Effect<boolean, OwnerGoneError> {
    return fiberCaller((caller) => this.unsafeAcquire(caller))
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
      Effect.zipRight(restore(this.acquireWaiting), Effect.addFinalizer(() => quietly(this.release))))
  }

  /**
   * Runs `self` holding it: acquired before, released after, however `self`
   * ends. Waiting for it can be interrupted; a release that fails because the
   * owner has gone is not an error of `self` (there is nothing left to release).
   */
  withLock<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | OwnerGoneError, R> {
    return withHeld(this.acquireWaiting, self, this.release)
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

registerRevival("Lock", (reference) =>
  reference.kind === "Lock" || reference.kind === "RLock" || reference.kind === "Semaphore" || reference.kind === "BoundedSemaphore"
    ? new SemLockHandle(remote(reference), reference.kind)
    : undefined)
