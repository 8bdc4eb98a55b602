/**
 * The state behind Lock, RLock, Semaphore and BoundedSemaphore, kept by the
 * process that serves them: CPython's `SemLock` (a counter with a maximum, or
 * a recursive mutex), with a FIFO of waiters instead of an OS semaphore.
 *
 * `owner` names who calls: a process in the compat face (Python's thread is
 * our process), a fiber in the Effect face. Operations act at once and return
 * an Exit when they are done; only a wait returns an Effect that waits.
 */
import { Deferred, Duration, Effect, Exit } from "effect"
import { NotOwnerError, ValueError } from "../../Errors.js"
import { answersAtOnce, awaitWithin } from "../served/backend.js"

export type Kind = "semaphore" | "recursive"

interface Waiter {
  readonly owner: string
  readonly woken: Deferred.Deferred<void>
  granted: boolean
}

/** An acquire's answers when it need not wait (shared: callers tell "found held" by identity). */
export const ACQUIRED: Exit.Exit<boolean> = Exit.succeed(true)
export const FOUND_HELD: Exit.Exit<boolean> = Exit.succeed(false)

/** Python's words for a release refused, shared with a lease's borrower (lease.ts). */
export const releasedTooOften = () => new ValueError({ message: "semaphore or lock released too many times" })
export const notOwnerOfRecursive = () =>
  new NotOwnerError({ message: "attempt to release recursive lock not owned by this owner" })

export class SemLock {
  private value: number
  /** A recursive lock's depth; for the other kinds, acquisitions not yet released. */
  private depth = 0
  /** Who acquired last (a recursive lock's owner). */
  private holder: string | undefined
  private waiters: Array<Waiter> = []

  constructor(
    readonly kind: Kind,
    initial: number,
    /** Releases past this fail (a Lock's 1, a BoundedSemaphore's initial value). */
    readonly maxValue: number
  ) {
    this.value = initial
  }

  /** The current value: free permits (Python's `get_value`). */
  getValue(): number {
    return this.value
  }

  /** Whether `owner` holds it (Python's `_is_mine`). */
  isMine(owner: string): boolean {
    return this.depth > 0 && this.holder === owner
  }

  /** Whether it is held by anyone (for a lock: locked). */
  get isLocked(): boolean {
    return this.value === 0
  }

  private take(owner: string): void {
    this.value--
    this.holder = owner
    this.depth = this.kind === "recursive" ? 1 : this.depth + 1
  }

  /**
   * Python's `acquire(block, timeout)`: true once acquired, false when it would
   * block and `block` is false, or the timeout ran out. Interrupting a waiting
   * acquire withdraws it; a permit granted in that instant is given back.
   */
  acquire(owner: string, block = true, timeout?: Duration.Duration): Effect.Effect<boolean> {
    if (this.kind === "recursive" && this.isMine(owner)) {
      this.depth++
      return ACQUIRED
    }
    if (this.value > 0 && this.waiters.length === 0) {
      this.take(owner)
      return ACQUIRED
    }
    if (answersAtOnce(block, timeout)) {
      return FOUND_HELD
    }
    const waiter: Waiter = { owner, woken: Deferred.unsafeMake(undefined as never), granted: false }
    this.waiters.push(waiter)
    return awaitWithin(Deferred.await(waiter.woken), timeout).pipe(
      Effect.map((inTime) => {
        if (inTime || waiter.granted) return true
        this.withdraw(waiter)
        return false
      }),
      Effect.onInterrupt(() =>
        Effect.sync(() => {
          if (waiter.granted) this.giveBack()
          else this.withdraw(waiter)
        })
      )
    )
  }

  private withdraw(waiter: Waiter): void {
    const at = this.waiters.indexOf(waiter)
    if (at >= 0) this.waiters.splice(at, 1)
  }

  /**
   * Python's `release()`: a recursive lock only by its holder (one level at a
   * time); a lock or bounded semaphore not past its maximum.
   */
  release(owner: string): Effect.Effect<void, ValueError | NotOwnerError> {
    if (this.kind === "recursive") {
      if (!this.isMine(owner)) {
        return Effect.fail(notOwnerOfRecursive())
      }
      if (this.depth > 1) {
        this.depth--
        return Effect.void
      }
    } else if (this.value >= this.maxValue) {
      return Effect.fail(releasedTooOften())
    }
    this.giveBack()
    return Effect.void
  }

  /** Gives one permit back and hands it to the first waiter, if any. */
  private giveBack(): void {
    this.depth = Math.max(0, this.depth - 1)
    if (this.depth === 0) this.holder = undefined
    this.value++
    const next = this.waiters.shift()
    if (next !== undefined) {
      this.take(next.owner)
      next.granted = true
      Deferred.unsafeDone(next.woken, Effect.void)
    }
  }

  /**
   * A process has gone: a lock its callers hold (`pid`, or `pid:owner`) is
   * released, every level of it. Semaphores keep no holders, so theirs stay taken.
   */
  releaseHeldByProcess(pid: string): void {
    const holder = this.holder
    if (this.maxValue !== 1 || this.depth === 0 || holder === undefined) return
    if (holder !== pid && !holder.startsWith(`${pid}:`)) return
    if (this.kind === "recursive") this.depth = 1
    this.giveBack()
  }

  /**
   * Releases every level `owner` holds of a recursive lock and gives the depth,
   * for a Condition's wait (Python's `_release_save`).
   */
  releaseAll(): number {
    const depth = this.kind === "recursive" ? this.depth : 1
    if (this.kind === "recursive") this.depth = 1
    this.giveBack()
    return depth
  }

  /**
   * A lock lent to another process comes back (lease.ts): held by `holder`
   * at `depth`, or free, and then handed to the first waiter.
   */
  takeBack(holder: string | undefined, depth: number): void {
    if (holder !== undefined) {
      this.holder = holder
      this.depth = depth
      return
    }
    this.depth = 1
    this.giveBack()
  }

  /** Takes a recursive lock back at the depth `releaseAll` gave (Python's `_acquire_restore`). */
  restoreDepth(owner: string, depth: number): void {
    if (this.kind === "recursive" && this.holder === owner) this.depth = depth
  }
}
