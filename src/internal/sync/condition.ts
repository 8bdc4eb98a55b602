/**
 * Condition shared across processes: Python's `multiprocessing.Condition`.
 * On a shared-memory lock it lives in shared memory (sharedMemoryCondition.ts);
 * on a served lock (the addon absent) it is served: the state (its waiters) lives with the owner, beside the lock it is built
 * on; `wait` releases that lock (every level of an RLock), waits to be
 * notified, and takes the lock back at the same depth before it returns, also
 * when it is interrupted. A waiter interrupted after being notified passes the
 * notification on: no wake-up is lost.
 *
 * A Condition's kind names its lock ("Condition:RLock:<lock id>"), so a proxy
 * reaches the lock directly for acquire and release.
 */
import { Deferred, Duration, Effect, Exit, type Scope } from "effect"
import { NotOwnerError, type OwnerGoneError, type TimeoutError, TypeError, ValueError } from "../../Errors.js"
import { failOnFalseElseVoid } from "../timedWait.js"
import type * as Public from "../../Condition.js"
import type { AcquireOptions, Lock, ReleaseError } from "../../Lock.js"
import {
  awaitWithin,
  type Backend,
  checkedWait,
  PrimitiveTypeId,
  type Reference,
  remote,
  scopedServed,
  shown,
  timeoutFromWire,
  timeoutToWire
} from "../served/backend.js"
import { type Definition, serveLocal, SharedObject } from "../served/definition.js"
import { registerRevival, revivePrimitive } from "../served/revive.js"
import { servedKind } from "../served/throughOwner.js"
import type { Lending } from "../lock/lease.js"
import { type AnyLock, isAnyLock, LockHandle, makeLocal as makeLocalLock, type SemLockKind, stateForCondition } from "../lock/lock.js"
import { isSharedMemoryId, SHM_ID_PREFIX } from "../native/segmentIds.js"
import { currentIdentity } from "../thisProcess/currentProcess.js"
import * as Shm from "./sharedMemoryCondition.js"
import { waitingFor } from "./waitingFor.js"

interface Waiter {
  readonly woken: Deferred.Deferred<void>
  notified: boolean
}

/** What a served Condition needs of its lock, for any caller: the lock's state in its owner (SemLock). */
interface ConditionLock {
  isMine(owner: string): boolean
  /** Releases every level, gives the depth (Python's `_release_save`). */
  releaseAll(): number
  acquire(owner: string, block: boolean, timeout: Duration.Duration | undefined): Effect.Effect<boolean>
  /** Python's `_acquire_restore`. */
  restoreDepth(owner: string, depth: number): void
}

const notOwner = (what: string) => new NotOwnerError({ message: `must acquire() condition before using ${what}()` })

class ConditionState {
  private waiters: Array<Waiter> = []

  constructor(readonly kind: string, readonly lock: ConditionLock, readonly lending: Lending | undefined) {}

  wait(owner: string, timeout: Duration.Duration | undefined): Effect.Effect<boolean, NotOwnerError> {
    if (!this.lock.isMine(owner)) return Effect.fail(notOwner("wait"))
    const waiter: Waiter = { woken: Deferred.unsafeMake(undefined as never), notified: false }
    this.waiters.push(waiter)
    const depth = this.lock.releaseAll()
    const wait = awaitWithin(Deferred.await(waiter.woken), timeout)
    const reacquire = Effect.tap(
      Effect.uninterruptible(Effect.suspend(() => this.lock.acquire(owner, true, undefined))),
      () => this.lock.restoreDepth(owner, depth)
    )
    return Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(Effect.exit(restore(wait)), (exit) => {
        if (!waiter.notified) this.withdraw(waiter)
        else if (Exit.isInterrupted(exit)) this.wake(1) // its wake-up goes to another waiter
        return Effect.zipRight(reacquire, Exit.isSuccess(exit) ? Effect.succeed(exit.value || waiter.notified) : exit)
      })
    )
  }

  private withdraw(waiter: Waiter): void {
    const at = this.waiters.indexOf(waiter)
    if (at >= 0) this.waiters.splice(at, 1)
  }

  private wake(n: number): void {
    for (let woken = 0; woken < n && this.waiters.length > 0; woken++) {
      const waiter = this.waiters.shift()!
      waiter.notified = true
      Deferred.unsafeDone(waiter.woken, Effect.void)
    }
  }

  notify(owner: string, n: number): Effect.Effect<void, NotOwnerError | ValueError> {
    if (!this.lock.isMine(owner)) return Effect.fail(notOwner("notify"))
    if (!Number.isInteger(n) || n < 0) return Effect.fail(new ValueError({ message: `notify(n) needs a non-negative integer, got ${n}` }))
    this.wake(n)
    return Effect.void
  }

  notifyAll(owner: string): Effect.Effect<void, NotOwnerError> {
    if (!this.lock.isMine(owner)) return Effect.fail(notOwner("notify_all"))
    this.wake(this.waiters.length)
    return Effect.void
  }
}

/** Runs `f` once its lock is home: a lease of it given before the Condition was made comes back first. */
const home = <A, E>(state: ConditionState, f: () => Effect.Effect<A, E>): Effect.Effect<A, E> =>
  state.lending === undefined ? f() : state.lending.whenHome(f)

const definition: Definition<ConditionState> = {
  kind: (state) => state.kind,
  operations: {
    wait: { run: (state, [millis], caller) => home(state, () => state.wait(caller, timeoutFromWire(millis))) },
    notify: { run: (state, [n], caller) => home(state, () => state.notify(caller, n as number)) },
    notifyAll: { run: (state, _, caller) => home(state, () => state.notifyAll(caller)) }
  },
  // A wait takes the lock back however it ends; for a caller that has gone, nobody will release it.
  abandon: (state, method, caller) => {
    if (method === "wait" && state.lock.isMine(caller)) state.lock.releaseAll()
  }
}

type WaitError = Public.WaitError

export class ConditionHandle extends SharedObject implements Public.Condition {
  constructor(backend: Backend, readonly lock: AnyLock) {
    super(backend, definition.operations)
  }

  acquire(options?: AcquireOptions): Effect.Effect<boolean, OwnerGoneError | TimeoutError | TypeError | ValueError> {
    return this.lock.acquire(options)
  }

  get release(): Effect.Effect<void, ReleaseError> {
    return this.lock.release
  }

  withLock<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | OwnerGoneError, R> {
    return this.lock.withLock(self)
  }

  wait(timeout?: Duration.DurationInput): Effect.Effect<void, WaitError | TimeoutError | TypeError | ValueError> {
    const checked = checkedWait("Condition.wait", undefined, timeout)
    return checked._tag === "Left" ? Exit.fail(checked.left) : this.owned((caller) => failOnFalseElseVoid(this.waitAs(caller, checked.right), "Condition.wait", checked.right))
  }

  private waitAs(caller: string, timeout: Duration.Duration | undefined): Effect.Effect<boolean, WaitError> {
    return this.call("wait", [timeoutToWire(timeout)], caller)
  }

  waitFor<E, R>(
    predicate: Effect.Effect<boolean, E, R>,
    timeout?: Duration.DurationInput
  ): Effect.Effect<void, E | WaitError | TimeoutError | TypeError | ValueError, R> {
    const checked = checkedWait("Condition.waitFor", undefined, timeout)
    if (checked._tag === "Left") return Exit.fail(checked.left)
    return this.owned((caller) =>
      failOnFalseElseVoid(waitingFor(predicate, checked.right, (left) => this.waitAs(caller, left)), "Condition.waitFor", checked.right))
  }

  notify(n = 1): Effect.Effect<void, WaitError | ValueError> {
    return this.owned((caller) => this.call("notify", [n], caller))
  }

  readonly notifyAll: Effect.Effect<void, WaitError> = this.owned((caller) => this.call("notifyAll", [], caller))
}

const parseKind = (kind: string): { lockKind: SemLockKind; lockId: string } | undefined => {
  const match = /^Condition:(Lock|RLock):(.+)$/.exec(kind)
  return match === null ? undefined : { lockKind: match[1] as SemLockKind, lockId: match[2] }
}

/**
 * The owner's Condition, served until `scope` closes: on `lock` when given (it
 * must be a Lock or RLock this process owns), else on a fresh RLock as in Python.
 */
export const make = (lock?: Lock): Effect.Effect<Public.Condition, TypeError | ValueError, Scope.Scope> =>
  scopedServed(Effect.suspend((): Effect.Effect<{ handle: Public.Condition; ids: Array<string> }, TypeError | ValueError> => {
    if (lock !== undefined && !isAnyLock(lock)) {
      return Effect.fail(new TypeError({ message: `a Condition's lock must be a Lock or RLock, got ${shown(lock)}` }))
    }
    const lockHandle = lock ?? makeLocalLock("RLock", 1)
    // What it made is served until the Scope closes: the lock too, when it made that.
    const lockIds = lock === undefined ? [lockHandle[PrimitiveTypeId].id] : []
    if (Shm.available(lockHandle)) {
      const handle = Shm.makeLocal(lockHandle, currentIdentity().name)
      return Effect.succeed({ handle, ids: [handle[PrimitiveTypeId].id, ...lockIds] })
    }
    // Its waits and notifies read the lock's state in this process: a served lock is lent no more.
    const kept = (lockHandle.kind === "Lock" || lockHandle.kind === "RLock") && lockHandle instanceof LockHandle
      ? stateForCondition(lockHandle)
      : undefined
    if (kept === undefined) {
      return Effect.fail(new ValueError({ message: "a Condition's lock must be a Lock or RLock made by this process" }))
    }
    const kind = `Condition:${lockHandle.kind}:${lockHandle[PrimitiveTypeId].id}`
    const backend = serveLocal(definition, new ConditionState(kind, kept.core, kept.lending))
    return Effect.succeed({ handle: new ConditionHandle(backend, lockHandle), ids: [backend.id, ...lockIds] })
  }))

/**
 * A child's proxy, from the reference that arrived; also of a Condition in
 * shared memory that this process cannot map (served/throughOwner.ts): its
 * lock, served by the same process, is mapped here or reached there as well.
 */
const revive = (reference: Reference): ConditionHandle | undefined => {
  const kind = servedKind(reference)
  const parsed = kind === undefined ? undefined : parseKind(kind)
  if (parsed === undefined) return undefined
  const lock = isSharedMemoryId(parsed.lockId)
    ? revivePrimitive({ ...reference, kind: `${SHM_ID_PREFIX}${parsed.lockKind}`, id: parsed.lockId }, "effect") as AnyLock
    : new LockHandle(remote({ ...reference, kind: parsed.lockKind, id: parsed.lockId }), parsed.lockKind)
  return new ConditionHandle(remote(reference), lock)
}

registerRevival("Condition", revive)
