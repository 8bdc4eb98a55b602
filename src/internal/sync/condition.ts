/**
 * Condition shared across processes: Python's `multiprocessing.Condition`.
 * The state (its waiters) lives with the owner, beside the lock it is built
 * on; `wait` releases that lock (every level of an RLock), waits to be
 * notified, and takes the lock back at the same depth before it returns, also
 * when it is interrupted. A waiter interrupted after being notified passes the
 * notification on: no wake-up is lost.
 *
 * A Condition's kind names its lock ("Condition:RLock:<lock id>"), so a proxy
 * reaches the lock directly for acquire and release.
 */
import { Deferred, Duration, Effect, Exit } from "effect"
import { NotOwnerError, type OwnerGoneError, type TypeError, ValueError } from "../../Errors.js"
import {
  awaitWithin,
  type Backend,
  fiberCaller,
  local,
  type Primitive,
  PrimitiveTypeId,
  type Reference,
  remote,
  timeoutFromWire,
  timeoutToWire
} from "../served/backend.js"
import type { Lending } from "../lock/lease.js"
import type { Served } from "../served/server.js"
import { registerRevival } from "../served/revive.js"
import type { SemLock } from "../lock/semLock.js"
import {
  type AcquireOptions,
  coreForCondition,
  makeLocal as makeLocalLock,
  type ReleaseError,
  SemLockHandle,
  type SemLockKind
} from "../lock/semLockHandle.js"

interface Waiter {
  readonly woken: Deferred.Deferred<void>
  notified: boolean
}

const notOwner = (what: string) => new NotOwnerError({ message: `must acquire() condition before using ${what}()` })

class ConditionState {
  private waiters: Array<Waiter> = []

  constructor(readonly lock: SemLock) {}

  unsafeWait(owner: string, timeout: Duration.Duration | undefined): Effect.Effect<boolean, NotOwnerError> {
    if (!this.lock.isMine(owner)) return Effect.fail(notOwner("wait"))
    const waiter: Waiter = { woken: Deferred.unsafeMake(undefined as never), notified: false }
    this.waiters.push(waiter)
    const depth = this.lock.unsafeReleaseAll()
    const wait = awaitWithin(Deferred.await(waiter.woken), timeout)
    const reacquire = Effect.tap(
      Effect.uninterruptible(Effect.suspend(() => this.lock.unsafeAcquire(owner, true))),
      () => this.lock.restoreDepth(owner, depth)
    )
    return Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(Effect.exit(restore(wait)), (exit) => {
        if (!waiter.notified) this.withdraw(waiter)
        else if (Exit.isInterrupted(exit)) this.unsafeNotify(1) // its wake-up goes to another waiter
        return Effect.zipRight(reacquire, Exit.isSuccess(exit) ? Effect.succeed(exit.value || waiter.notified) : exit)
      })
    )
  }

  private withdraw(waiter: Waiter): void {
    const at = this.waiters.indexOf(waiter)
    if (at >= 0) this.waiters.splice(at, 1)
  }

  private unsafeNotify(n: number): void {
    for (let woken = 0; woken < n && this.waiters.length > 0; woken++) {
      const waiter = this.waiters.shift()!
      waiter.notified = true
      Deferred.unsafeDone(waiter.woken, Effect.void)
    }
  }

  notify(owner: string, n: number): Effect.Effect<void, NotOwnerError | ValueError> {
    if (!this.lock.isMine(owner)) return Effect.fail(notOwner("notify"))
    if (!Number.isInteger(n) || n < 0) return Effect.fail(new ValueError({ message: `notify(n) needs a non-negative integer, got ${n}` }))
    this.unsafeNotify(n)
    return Effect.void
  }

  notifyAll(owner: string): Effect.Effect<void, NotOwnerError> {
    if (!this.lock.isMine(owner)) return Effect.fail(notOwner("notify_all"))
    this.unsafeNotify(this.waiters.length)
    return Effect.void
  }
}

/** A Condition's operations, by name. */
const run = (state: ConditionState, method: string, args: ReadonlyArray<unknown>, caller: string) => {
  switch (method) {
    case "wait": {
      const [millis] = args as [number | null]
      return state.unsafeWait(caller, timeoutFromWire(millis))
    }
    case "notify":
      return state.notify(caller, args[0] as number)
    case "notifyAll":
      return state.notifyAll(caller)
    default:
      return Effect.fail(new ValueError({ message: `Condition has no operation ${method}` }))
  }
}

const serve = (kind: string, state: ConditionState, lending: Lending | undefined): Served => ({
  kind,
  // A lease of its lock given before the Condition was made comes back first.
  unsafeCall: (method, args, caller) =>
    lending === undefined ? run(state, method, args, caller) : lending.whenHome(() => run(state, method, args, caller)),
  // A wait takes the lock back however it ends; for a caller that has gone, nobody will release it.
  abandon: (method, caller) => {
    if (method === "wait" && state.lock.isMine(caller)) state.lock.unsafeReleaseAll()
  }
})

export type WaitError = NotOwnerError | OwnerGoneError

export class ConditionHandle implements Primitive {
  readonly [PrimitiveTypeId]: Backend

  constructor(backend: Backend, readonly lock: SemLockHandle) {
    this[PrimitiveTypeId] = backend
  }

  unsafeWait(caller: string, timeout?: Duration.Duration): Effect.Effect<boolean, WaitError> {
    return this[PrimitiveTypeId].call("wait", [timeoutToWire(timeout)], caller) as Effect.Effect<boolean, WaitError>
  }

  unsafeNotify(caller: string, n = 1): Effect.Effect<void, WaitError | ValueError> {
    return this[PrimitiveTypeId].call("notify", [n], caller) as Effect.Effect<void, WaitError | ValueError>
  }

  unsafeNotifyAll(caller: string): Effect.Effect<void, WaitError> {
    return this[PrimitiveTypeId].call("notifyAll", [], caller) as Effect.Effect<void, WaitError>
  }

  /** Takes the Condition's lock (Python's `Condition.acquire`). */
  acquire(options?: AcquireOptions): Effect.Effect<boolean, OwnerGoneError | TypeError | ValueError> {
    return this.lock.acquire(options)
  }

  get release(): Effect.Effect<void, ReleaseError> {
    return this.lock.release
  }

  /** Runs `self` holding the Condition's lock. */
  withLock<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | OwnerGoneError, R> {
    return this.lock.withLock(self)
  }

  /**
   * Releases the lock, waits until notified or `timeout` runs out, takes the
   * lock back: true when notified. Needs the lock.
   */
  wait(timeout?: Duration.DurationInput): Effect.Effect<boolean, WaitError> {
    const limit = timeout === undefined ? undefined : Duration.decode(timeout)
    return fiberCaller((caller) => this.unsafeWait(caller, limit))
  }

  /** `waitFor` for a given caller. */
  unsafeWaitFor<E, R>(
    caller: string,
    predicate: Effect.Effect<boolean, E, R>,
    timeout?: Duration.Duration
  ): Effect.Effect<boolean, E | WaitError, R> {
    const deadline = timeout === undefined || !Duration.isFinite(timeout) ? undefined : performance.now() + Duration.toMillis(timeout)
    const loop: Effect.Effect<boolean, E | WaitError, R> = Effect.flatMap(predicate, (holds) => {
      if (holds) return Effect.succeed(true)
      const left = deadline === undefined ? undefined : deadline - performance.now()
      if (left !== undefined && left <= 0) return Effect.succeed(false)
      return Effect.zipRight(this.unsafeWait(caller, left === undefined ? undefined : Duration.millis(left)), loop)
    })
    return loop
  }

  /**
   * Waits until `predicate` holds (checked first, then after each wake-up),
   * at most `timeout` in all; gives the predicate's last answer. Needs the lock.
   */
  waitFor<E, R>(predicate: Effect.Effect<boolean, E, R>, timeout?: Duration.DurationInput): Effect.Effect<boolean, E | WaitError, R> {
    const limit = timeout === undefined ? undefined : Duration.decode(timeout)
    return fiberCaller((caller) => this.unsafeWaitFor(caller, predicate, limit))
  }

  /** Wakes up to `n` waiters (Python's `notify(n=1)`). Needs the lock. */
  notify(n = 1): Effect.Effect<void, WaitError | ValueError> {
    return fiberCaller((caller) => this.unsafeNotify(caller, n))
  }

  /** Wakes every waiter. Needs the lock. */
  get notifyAll(): Effect.Effect<void, WaitError> {
    return fiberCaller((caller) => this.unsafeNotifyAll(caller))
  }
}

const parseKind = (kind: string): { lockKind: SemLockKind; lockId: string } | undefined => {
  const match = /^Condition:(Lock|RLock):(.+)$/.exec(kind)
  return match === null ? undefined : { lockKind: match[1] as SemLockKind, lockId: match[2] }
}

/**
 * The owner's side, on `lock` when given (it must be a Lock or RLock this
 * process owns), else on a fresh RLock as in Python. Gives the ids to unregister.
 */
export const makeLocal = (lock?: SemLockHandle): Effect.Effect<{ handle: ConditionHandle; ids: ReadonlyArray<string> }, ValueError> =>
  Effect.suspend(() => {
    const ids: Array<string> = []
    let lockHandle = lock
    if (lockHandle === undefined) {
      const made = makeLocalLock("RLock", 1)
      lockHandle = new SemLockHandle(made.backend, "RLock")
      ids.push(made.backend.id)
    }
    // Its waits and notifies read the lock's state in this process: the lock is lent no more.
    const kept = coreForCondition(lockHandle)
    if (kept === undefined || (lockHandle.kind !== "Lock" && lockHandle.kind !== "RLock")) {
      return Effect.fail(new ValueError({ message: "a Condition's lock must be a Lock or RLock made by this process" }))
    }
    const backend = local(serve(`Condition:${lockHandle.kind}:${lockHandle[PrimitiveTypeId].id}`, new ConditionState(kept.core), kept.lending))
    ids.push(backend.id)
    return Effect.succeed({ handle: new ConditionHandle(backend, lockHandle), ids })
  })

/** A child's proxy, from the reference that arrived. */
const revive = (reference: Reference): ConditionHandle | undefined => {
  const parsed = parseKind(reference.kind)
  if (parsed === undefined) return undefined
  const lock = new SemLockHandle(remote({ ...reference, kind: parsed.lockKind, id: parsed.lockId }), parsed.lockKind)
  return new ConditionHandle(remote(reference), lock)
}

registerRevival("Condition", revive)
