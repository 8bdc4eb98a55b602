/**
 * Condition in shared memory: the same public interface as the served one
 * (condition.ts), over a shared-memory Lock or RLock and a queue of waiters
 * in a segment of its own (sharedWaitQueue.ts). Every process that holds it
 * waits and notifies itself: no owner, no socket.
 *
 * `wait` joins the queue holding the lock, releases it (every level of an
 * RLock), sleeps on its own slot until notified or out of time, takes the
 * lock back at the same depth (also when interrupted), and leaves the queue
 * under it. `notify(n)` marks the n callers that came first and wakes each:
 * exactly those, and a wake-up that lands before its caller sleeps still
 * counts. A waiter interrupted after it was notified passes the notification
 * on, as the served Condition's do.
 *
 * A process that dies waiting: `notify(n)` skips it (its wake-up goes to a
 * live waiter); one that dies holding the lock: the lock's waiters take it
 * over (sharedMutex.ts).
 *
 * A process that cannot map it is served by its maker, by the served
 * Condition's table (condition.ts) run on the maker's mapping for the
 * caller's stand-in (`servedDefinition`, see served/throughOwner.ts); the
 * maker serves its lock to it too.
 */
import { Duration, Effect, Exit } from "effect"
import { NotOwnerError, type OwnerGoneError, type TimeoutError, type TypeError, ValueError } from "../../Errors.js"
import { failOnFalseElseVoid } from "../timedWait.js"
import type * as Public from "../../Condition.js"
import type { AcquireOptions, ReleaseError } from "../../Lock.js"
import { checkedWait, type Backend, type Primitive, PrimitiveTypeId, type Reference, timeoutFromWire } from "../served/backend.js"
import { type Definition, owned } from "../served/definition.js"
import { mapped, servedAt, servedHere, standInOf } from "../served/throughOwner.js"
import { registerRevival } from "../served/revive.js"
import * as SharedMemoryLock from "../lock/sharedMemoryLock.js"
import { LIVENESS_SLICE_MS, type SharedMutex } from "../lock/sharedMutex.js"
import { create, goneError, makerPid, wakerOf } from "../native/segment.js"
import { segmentOf, SHM_ID_PREFIX } from "../native/segmentIds.js"
import { queueWords, SharedWaitQueue, WAITING } from "./sharedWaitQueue.js"
import { waitingFor } from "./waitingFor.js"
import { thisThread } from "../thisProcess/thisThread.js"

/** How many callers may wait at once (the queue's slots: 16 KiB with its header). */
const CAPACITY = 1023

const NOTIFIED = 2

const notOwner = (what: string) => new NotOwnerError({ message: `must acquire() condition before using ${what}()` })

const tooMany = () =>
  new ValueError({ message: `more than ${CAPACITY} callers wait on this Condition at once: wait on several Conditions, or notify more often` })

type WaitError = Public.WaitError

export class SharedMemoryCondition implements Public.Condition, Primitive {
  readonly [PrimitiveTypeId]: Backend
  private readonly queue: SharedWaitQueue | undefined
  private readonly mutex: SharedMutex | undefined

  constructor(
    readonly lock: SharedMemoryLock.SharedMemoryLock,
    segmentName: string,
    words: Int32Array | undefined,
    ownerName: string,
    /** The reference it arrived as (its maker's); none in its maker. */
    arrival?: Reference
  ) {
    this.queue = words === undefined ? undefined : new SharedWaitQueue(wakerOf(words), words, 0, CAPACITY)
    this.mutex = lock.mutex
    const id = SHM_ID_PREFIX + segmentName
    const reference = (): Reference =>
      arrival ?? {
        kind: `${SHM_ID_PREFIX}Condition:${lock.kind}:${lock[PrimitiveTypeId].id}`,
        id,
        // Its lock is reached where it is, by a process that cannot map them.
        address: (lock.servedAt(), servedAt(id, servedDefinition, this)),
        ownerPid: makerPid(segmentName),
        ownerName
      }
    const refused = () => Exit.fail(this.gone())
    this[PrimitiveTypeId] = { id, isLocal: true, reference, call: refused, post: refused }
  }

  private gone(): OwnerGoneError {
    const reference = this[PrimitiveTypeId].reference()
    return goneError("Condition", segmentOf(reference.id), reference.ownerName)
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
    return checked._tag === "Left" ? Exit.fail(checked.left) : owned((caller) => failOnFalseElseVoid(this.waitAs(caller, checked.right), "Condition.wait", checked.right))
  }

  waitFor<E, R>(
    predicate: Effect.Effect<boolean, E, R>,
    timeout?: Duration.DurationInput
  ): Effect.Effect<void, E | WaitError | TimeoutError | TypeError | ValueError, R> {
    const checked = checkedWait("Condition.waitFor", undefined, timeout)
    return checked._tag === "Left" ? Exit.fail(checked.left) : owned((caller) =>
      failOnFalseElseVoid(waitingFor(predicate, checked.right, (left) => this.waitAs(caller, left)), "Condition.waitFor", checked.right))
  }

  waitAs(caller: string, timeout: Duration.Duration | undefined): Effect.Effect<boolean, WaitError | ValueError> {
    const { queue, mutex } = this
    if (queue === undefined || mutex === undefined) return Exit.fail(this.gone())
    if (!mutex.isMine(caller)) return Exit.fail(notOwner("wait"))
    const slot = queue.enqueue(thisThread())
    if (slot < 0) return Exit.fail(tooMany())
    const depth = mutex.releaseAll()
    const deadline = timeout === undefined || !Duration.isFinite(timeout) ? undefined : performance.now() + Duration.toMillis(timeout)
    queue.nap(slot, deadline)
    // Slices, so that a notifier that died between marking the slot and waking it cannot keep it asleep.
    const sleep: Effect.Effect<void> = Effect.suspend(() => {
      if (queue.state(slot) !== WAITING) return Exit.void
      const left = deadline === undefined ? LIVENESS_SLICE_MS : deadline - performance.now()
      if (left <= 0) return Exit.void
      return Effect.zipRight(queue.sleep(slot, Math.min(LIVENESS_SLICE_MS, left)), sleep)
    })
    const reacquire = Effect.uninterruptible(Effect.suspend(() => mutex.acquire(caller, true, undefined)))
    return Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(Effect.exit(restore(sleep)), (exit) =>
        Effect.map(reacquire, () => {
          mutex.restoreDepth(caller, depth)
          const notified = queue.leave(slot) === NOTIFIED
          // Interrupted once notified: the notification goes to the next waiter.
          if (notified && Exit.isInterrupted(exit)) queue.wakeFirst(1, NOTIFIED)
          return [exit, notified] as const
        })).pipe(Effect.flatMap(([exit, notified]) => Exit.isSuccess(exit) ? Exit.succeed(notified) : Exit.failCause(exit.cause)))
    )
  }

  notify(n = 1): Effect.Effect<void, WaitError | ValueError> {
    return owned((caller) => this.notifyAs(caller, n))
  }

  notifyAs(caller: string, n: unknown): Exit.Exit<void, WaitError | ValueError> {
    const checked = this.checkNotify(caller, "notify")
    if (checked !== undefined) return Exit.fail(checked)
    if (!Number.isInteger(n) || (n as number) < 0) return Exit.fail(new ValueError({ message: `notify(n) needs a non-negative integer, got ${n}` }))
    this.queue!.wakeFirst(n as number, NOTIFIED)
    return Exit.void
  }

  readonly notifyAll: Effect.Effect<void, WaitError> = owned((caller) => this.notifyAllAs(caller))

  notifyAllAs(caller: string): Exit.Exit<void, WaitError> {
    const checked = this.checkNotify(caller, "notify_all")
    if (checked !== undefined) return Exit.fail(checked)
    this.queue!.wakeAll(NOTIFIED)
    return Exit.void
  }

  private checkNotify(caller: string, what: string): WaitError | undefined {
    if (this.queue === undefined || this.mutex === undefined) return this.gone()
    return this.mutex.isMine(caller) ? undefined : notOwner(what)
  }
}

/**
 * The served Condition's table (condition.ts), for the processes that cannot
 * map it: run on this process's mapping for the caller's stand-in, which
 * took the lock for it (see sharedMemoryLock.ts).
 */
const servedDefinition: Definition<SharedMemoryCondition> = {
  kind: (cond) => `Condition:${cond.lock.kind}:${cond.lock[PrimitiveTypeId].id}`,
  operations: {
    wait: { run: (cond, [millis], caller) => cond.waitAs(standInOf(caller), timeoutFromWire(millis)) },
    notify: { run: (cond, [n], caller) => cond.notifyAs(standInOf(caller), n) },
    notifyAll: { run: (cond, _, caller) => cond.notifyAllAs(standInOf(caller)) }
  },
  // A wait takes the lock back however it ends; for a caller that has gone, nobody will release it.
  abandon: (cond, method, caller) => {
    if (method === "wait") cond.lock.releaseHeldFor(caller)
  }
}

/** Whether a Condition on `lock` lives in shared memory: the lock does (a Lock or RLock whose segment is mapped here). */
export const available = (lock: unknown): lock is SharedMemoryLock.SharedMemoryLock =>
  lock instanceof SharedMemoryLock.SharedMemoryLock && lock.mutex !== undefined

/** A new Condition on `lock`, its queue in a new segment (its maker's Scope unlinks it by its id). */
export const makeLocal = (lock: SharedMemoryLock.SharedMemoryLock, ownerName: string): SharedMemoryCondition => {
  const segment = create(queueWords(CAPACITY) * 4)
  SharedWaitQueue.initialize(segment.words, 0, CAPACITY)
  return new SharedMemoryCondition(lock, segment.name, segment.words, ownerName)
}

// One this process cannot map is the served Condition's proxy (condition.ts).
registerRevival("Condition", (reference) => {
  const match = new RegExp(`^${SHM_ID_PREFIX}Condition:(Lock|RLock):(.+)$`).exec(reference.kind)
  if (match === null || servedHere(reference)) return undefined
  const lockKind = match[1] as "Lock" | "RLock"
  const lock = SharedMemoryLock.revive(lockKind, { ...reference, kind: `${SHM_ID_PREFIX}${lockKind}`, id: match[2] })
  return new SharedMemoryCondition(lock, segmentOf(reference.id), mapped(reference.id)?.words, reference.ownerName, reference)
})
