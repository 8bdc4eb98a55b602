/**
 * Lock, RLock, Semaphore and BoundedSemaphore: the owner keeps a SemLock
 * (semLock.ts) and serves it by the table below; every holder's operations
 * are calls to it (see served/definition.ts). A Lock or RLock may be lent to
 * the process that keeps taking it (lease.ts): its acquires and releases
 * there are local, and the owner's table recalls it before anything else
 * touches the lock.
 */
import { Duration, Effect, Exit, type Scope } from "effect"
import { OwnerGoneError as OwnerGoneErrorClass, SyncUnsupportedError, TypeError, ValueError } from "../../Errors.js"
import type { OwnerGoneError, TimeoutError } from "../../Errors.js"
import type * as Public from "../../Lock.js"
import {
  answersAtOnce,
  asTask as backendAsTask,
  type Backend,
  PrimitiveTypeId,
  processCaller,
  remote,
  scopedServed,
  shown,
  timeoutFromWire,
  timeoutToWire
} from "../served/backend.js"
import { type Definition, mapNow, serveLocal, SharedObject } from "../served/definition.js"
import { registerRevival } from "../served/revive.js"
import { servedKind } from "../served/throughOwner.js"
import { afterCatchUp, catchUp, type Client } from "../served/server.js"
import { acquireArguments, held, servedSync, withLock } from "./holding.js"
import { Borrowed, borrowedLock, Lending, LENT, returnLease } from "./lease.js"
import * as Shm from "./sharedMemoryLock.js"
import { SharedMemoryLock } from "./sharedMemoryLock.js"
import { ACQUIRED, FOUND_HELD, SemLock } from "./semLock.js"
import { failOnFalse } from "../timedWait.js"

export type SemLockKind = Public.Lock["kind"]

/** Python's `SEM_VALUE_MAX` stand-in: an unbounded Semaphore may be released without limit. */
const UNBOUNDED = Number.MAX_SAFE_INTEGER

/** Why `value` cannot start a Semaphore (Python's TypeError or ValueError), when it cannot. */
const semaphoreValueError = (value: unknown): TypeError | ValueError | undefined => {
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

/** The owner's state: the SemLock, and, for a Lock or RLock, whether and to whom it is lent. */
interface LockState {
  readonly kind: SemLockKind
  readonly core: SemLock
  readonly lending: Lending | undefined
}

/** Runs `f` once the lock is home: at once unless it is lent (then after the borrower gave it back). */
const home = <A, E>(state: LockState, f: () => Effect.Effect<A, E>): Effect.Effect<A, E> =>
  state.lending?.isLent ? state.lending.whenHome(f) : f()

const acquireHome = (state: LockState, [block, millis]: ReadonlyArray<unknown>, caller: string, client: Client | undefined) => {
  const { core, lending } = state
  const wasFree = !core.isLocked
  // Found held, and answering so at once: a release another process posted may not be read yet.
  const acquired = afterCatchUp(() => core.acquire(caller, block !== false, timeoutFromWire(millis)), (acquired) => acquired === FOUND_HELD)
  return lending?.tried(caller, client, wasFree && acquired === ACQUIRED) === true ? LENT_EXIT : acquired
}

const definition: Definition<LockState> = {
  kind: (state) => state.kind,
  operations: {
    acquire: {
      run: (state, args, caller, client) => {
        const lending = state.lending
        if (!lending?.isLent) return acquireHome(state, args, caller, client)
        // Lent: it waits for the lock to come back (and is not lent it then). An acquire that answers
        // at once, or within a timeout, waits for the borrower no longer than that.
        const [block, millis] = args as [boolean, number | null]
        const timeout = timeoutFromWire(millis)
        const patience = answersAtOnce(block !== false, timeout) ? RECALL_PATIENCE : timeout
        if (patience === undefined || !Duration.isFinite(patience)) return lending.whenHome(() => acquireHome(state, args, caller, undefined))
        const deadline = performance.now() + Duration.toMillis(patience)
        return lending.whenHome(
          () => acquireHome(state, [block, millis === null ? null : Math.max(0, deadline - performance.now())], caller, undefined),
          { within: patience, orElse: () => FOUND_HELD }
        )
      }
    },
    release: {
      run: (state, _, caller) =>
        home(state, () => {
          // Not the holder's own release: the holder's posted release may not be read yet, and would
          // make this one refused (a Lock found free, a BoundedSemaphore at its maximum).
          if (state.core.maxValue !== UNBOUNDED && !state.core.isMine(caller)) catchUp()
          return state.core.release(caller)
        })
    },
    getValue: {
      run: (state) =>
        home(state, () => {
          catchUp()
          return Exit.succeed(state.core.getValue())
        })
    },
    /** The borrower gives the lease back, with the lock's state there. */
    return: { run: (state, [holder, depth], _, client) => (state.lending?.returned(client, holder, depth), Exit.void) }
  },
  clientGone: (state, pid, client) => {
    state.core.releaseHeldByProcess(pid)
    state.lending?.clientGone(client)
  },
  unregistered: (state) => state.lending?.unregistered(),
  abandon: (state, method, caller, exit) => {
    if (method === "acquire" && Exit.isSuccess(exit) && exit.value === true) Effect.runSync(Effect.ignore(state.core.release(caller)))
  }
}

/** The owner's state behind each owner-side backend, for primitives built on a lock (a Condition's). */
const states = new WeakMap<Backend, LockState>()

/** A lock of either backend: served by this process or another, or in shared memory. */
export type AnyLock = LockHandle | SharedMemoryLock

export const isAnyLock = (u: unknown): u is AnyLock => u instanceof LockHandle || u instanceof SharedMemoryLock

/**
 * A new lock (not scoped: for objects that make their own lock, and give its
 * id to `scopedServed`): in shared memory when the addon is loaded, else
 * served by this process.
 */
export const makeLocal = (kind: SemLockKind, value: number): AnyLock =>
  Shm.available(kind, value) ? Shm.makeLocal(kind, value) : makeServed(kind, value)

const makeServed = (kind: SemLockKind, value: number): LockHandle => {
  const maxValue = kind === "Semaphore" ? UNBOUNDED : kind === "BoundedSemaphore" ? value : 1
  const core = new SemLock(kind === "RLock" ? "recursive" : "semaphore", kind === "Lock" || kind === "RLock" ? 1 : value, maxValue)
  const lending = kind === "Lock" || kind === "RLock" ? new Lending(core, () => backend.id) : undefined
  const state: LockState = { kind, core, lending }
  const backend = serveLocal(definition, state)
  states.set(backend, state)
  return new LockHandle(backend, kind)
}

/** A new lock, usable while the Scope is open. */
export const make = (kind: SemLockKind, value: number): Effect.Effect<AnyLock, never, Scope.Scope> =>
  scopedServed(Effect.sync(() => {
    const handle = makeLocal(kind, value)
    return { handle, ids: [handle[PrimitiveTypeId].id] }
  }))

/** A new Semaphore or BoundedSemaphore; a value that is not an integer fails with TypeError, a negative one with ValueError. */
export const makeSemaphore = (kind: "Semaphore" | "BoundedSemaphore", value: unknown) =>
  Effect.suspend(() => {
    const error = semaphoreValueError(value)
    return error === undefined ? make(kind, value as number) as Effect.Effect<AnyLock & { kind: typeof kind }> : Effect.fail(error)
  })

/**
 * The SemLock of a lock this process owns (undefined for a proxy), for a
 * Condition built on it, which reads its state here: the lock is lent no more
 * from now on (a lease still out comes back at `lending.whenHome`).
 */
export const stateForCondition = (lock: Public.Lock): LockState | undefined => {
  const state = lock instanceof LockHandle ? states.get(lock[PrimitiveTypeId]) : undefined
  state?.lending?.keep()
  return state
}

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

export class LockHandle extends SharedObject implements Public.Lock {
  constructor(backend: Backend, readonly kind: SemLockKind) {
    super(backend, definition.operations)
  }

  /** An acquire that waits as long as it takes (`acquire()`, and for `held` and `withLock`). */
  private readonly acquireWaiting = this.owned((caller) => this.acquireAs(caller, true, undefined))

  acquire(options?: Public.AcquireOptions): Effect.Effect<boolean, OwnerGoneError | TimeoutError | TypeError | ValueError> {
    if (options === undefined) return this.acquireWaiting
    const checked = acquireArguments(options)
    if (checked._tag === "Left") return Exit.fail(checked.left)
    const { block, timeout } = checked.right
    return this.owned((caller) => block ? failOnFalse(this.acquireAs(caller, true, timeout), "acquire", timeout) : this.acquireAs(caller, false, timeout))
  }

  readonly release: Effect.Effect<void, Public.ReleaseError> = this.owned((caller) => this.releaseAs(caller))

  readonly getValue: Effect.Effect<number, OwnerGoneError> = this.owned((caller) => {
    const lease = this.backend.isLocal ? undefined : borrowedLock(this.backend.id)
    return lease !== undefined ? Exit.succeed(lease.isFree ? 1 : 0) : this.call("getValue", [], caller)
  })

  get held(): Effect.Effect<void, OwnerGoneError, Scope.Scope> {
    return held(this.acquireWaiting, this.release)
  }

  withLock<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | OwnerGoneError, R> {
    return withLock(this.acquireWaiting, this.release, self)
  }

  acquireSync(): boolean {
    throw servedSync(this.kind, "acquireSync")
  }

  releaseSync(): void {
    throw servedSync(this.kind, "releaseSync")
  }

  withLockSync<A>(_body: () => A): A {
    throw servedSync(this.kind, "withLockSync")
  }

  private get backend(): Backend {
    return this[PrimitiveTypeId]
  }

  /**
   * Whether `caller` holds it, as far as this process knows without asking
   * anyone: the owner's state, a lease's, or what this process's callers
   * acquired through the proxy and have not released.
   */
  heldBy(caller: string): boolean {
    const backend = this.backend
    if (backend.isLocal) return states.get(backend)?.core.isMine(caller) ?? false
    const lease = borrowedLock(backend.id)
    return lease !== undefined ? lease.isMine(caller) : holdings.has(`${backend.id} ${caller}`)
  }

  /**
   * An acquire whose caller was interrupted as it succeeded is released again
   * (see served/channel.ts). From another process: a lock lent here is taken
   * here; the owner may lend it with an acquire (see lease.ts).
   */
  private acquireAs(caller: string, block: boolean, timeout: Duration.Duration | undefined): Effect.Effect<boolean, OwnerGoneError> {
    const backend = this.backend
    if (backend.isLocal) return this.call("acquire", [block, timeoutToWire(timeout)], caller)
    const lease = borrowedLock(backend.id)
    if (lease !== undefined) return this.acquireBorrowed(lease, caller, block, timeout)
    let lentHere = false
    const acquired = this.call<boolean | typeof LENT, OwnerGoneError>(
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
        else Effect.runSync(Effect.ignore(this.releaseAs(caller)))
        return undefined
      },
      (value) => {
        if (value !== LENT) return
        lentHere = true
        new Borrowed(backend.reference(), this.kind === "RLock", caller, (holder, depth) => {
          for (let level = 0; level < depth; level++) hold(`${backend.id} ${holder}`, 1)
        })
      }
    )
    const key = `${backend.id} ${caller}`
    const taken = (value: boolean | typeof LENT): boolean => {
      if (value === true) hold(key, 1)
      return value !== false
    }
    return mapNow(acquired, taken)
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
      return this.acquireAs(caller, true, left)
    })
  }

  /**
   * In the owner, done once released. From another process, a release of what
   * its caller holds (or of an unbounded Semaphore, which any release may
   * raise) is posted: it reaches the owner before anything the caller sends
   * after it, and the owner reads it before it tells anyone the lock is held.
   * Any other release waits for the owner's answer, which may be a refusal.
   */
  private releaseAs(caller: string): Effect.Effect<void, Public.ReleaseError> {
    const backend = this.backend
    if (!backend.isLocal) {
      const lease = borrowedLock(backend.id)
      if (lease !== undefined) return lease.release(caller)
      const key = `${backend.id} ${caller}`
      if (holdings.has(key) || this.kind === "Semaphore") {
        hold(key, -1)
        return backend.post("release", [], caller, true) as Effect.Effect<void, Public.ReleaseError>
      }
    }
    return this.call("release", [], caller)
  }
}

/** See Lock.withLockSync: `lock.withLockSync(body)` as one Effect step; the lock's failures typed, `body`'s defects. */
export const withLockSync = <A>(lock: Public.Lock, body: () => A): Effect.Effect<A, OwnerGoneError | SyncUnsupportedError> =>
  Effect.suspend(() => {
    try {
      lock.acquireSync()
    } catch (error) {
      return error instanceof OwnerGoneErrorClass || error instanceof SyncUnsupportedError ? Exit.fail(error) : Exit.die(error)
    }
    try {
      return Exit.succeed(body())
    } finally {
      try {
        lock.releaseSync()
      } catch (error) {
        // An owner that has gone leaves nothing to release; anything else is a defect (thrown: Effect.suspend makes it one).
        if (!(error instanceof OwnerGoneErrorClass)) throw error
      }
    }
  })

/** See Lock.asTask. */
export const asTask = <T>(lock: Public.Lock, body: () => Promise<T>): Promise<T> =>
  lock.kind === "RLock" && isAnyLock(lock) && lock.heldBy(processCaller()) ? body() : backendAsTask(body)

// Also a lock in shared memory that this process cannot map: its maker serves it (served/throughOwner.ts).
registerRevival("Lock", (reference) => {
  const kind = servedKind(reference)
  return kind === "Lock" || kind === "RLock" || kind === "Semaphore" || kind === "BoundedSemaphore" ? new LockHandle(remote(reference), kind) : undefined
})
