/**
 * Leases: a Lock or RLock lent by its owner to the process that keeps taking
 * it, so that its acquires and releases there are local calls instead of a
 * round trip each (docs/synchronization.md, "Leases").
 *
 * The owner lends a lock when a process acquires it free, having been the last
 * to try it before: a process taking it over and over, with nobody else asking.
 * The lock stays held there as far as the owner knows; the borrower keeps its
 * state (who holds it, how deep) and acts on it alone. Anything else that
 * touches the lock — another process's acquire or release, the owner's own, a
 * `getValue` — first recalls the lease: the owner sends `recall`, and the
 * borrower answers at once with `return [holder, depth]`, the lock's state
 * there (free, or held by one of its callers, who then releases it through the
 * owner as any holder does). So every observer still sees one lock, and sees a
 * release before whatever it caused: nobody learns of a borrower's release
 * without the borrower answering its recall first.
 *
 * The cost moves to the hand-over: a recall is one round trip to the borrower,
 * answered when its event loop turns (or at its next release, which reads for a
 * recall). A borrower that computes for long without yielding keeps others
 * waiting that long, as the owner of any primitive does; only an acquire that
 * answers at once or has a timeout gives up on it (see lock.ts).
 * Nothing is lent again while an operation waits for a lease to come back.
 *
 * A borrower that exits returns the lease with its connection (its locks are
 * released); an owner that exits voids it (the borrower's next use fails, as
 * any proxy's does).
 */
import { Deferred, Duration, Effect, Exit, FiberId } from "effect"
import type { NotOwnerError, ValueError } from "../../Errors.js"
import { awaitWithin } from "../served/backend.js"
import { type Channel, channel, type Notified, type Reference } from "../served/channel.js"
import { type Client, processOf } from "../served/server.js"
import { notOwnerOfRecursive, releasedTooOften, type SemLock } from "./semLock.js"

/** An acquire's answer that grants the lock and lends it too. */
export const LENT = "lent"

/** The borrower's message that gives the lease back, with the lock's state there. */
export const returnLease = (holder: string | undefined, depth: number) => ["return", [holder ?? null, depth]] as const

/** The owner's side: whether its lock is lent, and to whom. */
export class Lending {
  private lease: { readonly client: Client; recalled: boolean; readonly back: Deferred.Deferred<void> } | undefined
  /** The process that tried the lock last. */
  private lastTried: string | undefined
  /** A Condition is built on the lock: its waits and notifies read the lock's state here. */
  private kept = false
  /** Operations waiting for a lease to come back: nothing is lent again before they have run. */
  private awaiting = 0

  constructor(private readonly core: SemLock, private readonly id: () => string) {}

  get isLent(): boolean {
    return this.lease !== undefined
  }

  /** Notes who tries the lock; answers whether an acquire that found it free (by `client`'s `caller`) may take the lease too. */
  tried(caller: string, client: Client | undefined, tookItFree: boolean): boolean {
    const process = processOf(caller)
    const again = this.lastTried === process
    this.lastTried = process
    if (!again || !tookItFree || client === undefined || this.kept || this.awaiting > 0) return false
    this.lease = { client, recalled: false, back: Deferred.unsafeMake(FiberId.none) }
    return true
  }

  /** Asks the borrower for the lease, once; done when it is back (or its borrower gone). */
  private recall(): Effect.Effect<void> {
    const lease = this.lease
    if (lease === undefined) return Effect.void
    if (!lease.recalled) {
      lease.recalled = true
      lease.client.notice(this.id(), "recall")
    }
    return Deferred.await(lease.back)
  }

  /** The borrower gave it back, held by `holder` at `depth` or free (ignored from anyone else). */
  returned(client: Client | undefined, holder: unknown, depth: unknown): void {
    const lease = this.lease
    if (lease === undefined || lease.client !== client) return
    this.lease = undefined
    this.core.takeBack(typeof holder === "string" ? holder : undefined, typeof depth === "number" ? depth : 1)
    Deferred.unsafeDone(lease.back, Effect.void)
  }

  /** The borrower's connection has closed (the lock its callers held is released by the caller). */
  clientGone(client: Client): void {
    const lease = this.lease
    if (lease === undefined || lease.client !== client) return
    this.lease = undefined
    Deferred.unsafeDone(lease.back, Effect.void)
  }

  /** The lock is served no more: the borrower is told (its return is refused, and so is its next use). */
  unregistered(): void {
    const lease = this.lease
    if (lease === undefined) return
    this.lease = undefined
    if (!lease.recalled) lease.client.notice(this.id(), "recall")
    Deferred.unsafeDone(lease.back, Effect.void)
  }

  /** Lends no more (a Condition is built on it); a lease already out comes back at the next `whenHome`. */
  keep(): void {
    this.kept = true
  }

  /**
   * Runs `f` once the lock is not lent, recalling it first if it is. With
   * `patience`, waits for the borrower that long at most, then runs `orElse`
   * (a non-blocking or timed acquire does not wait for a borrower that is busy).
   */
  whenHome<A, E>(
    f: () => Effect.Effect<A, E>,
    patience?: { readonly within: Duration.Duration; readonly orElse: () => Effect.Effect<A, E> }
  ): Effect.Effect<A, E> {
    if (this.lease === undefined) return f()
    this.awaiting++
    const back = patience === undefined ? Effect.as(this.recall(), true) : awaitWithin(this.recall(), patience.within)
    return Effect.flatMap(
      Effect.ensuring(back, Effect.sync(() => this.awaiting--)),
      (inTime) => inTime ? f() : patience!.orElse()
    )
  }
}

/** The leases this process holds, by the lock's id. */
const borrowed = new Map<string, Borrowed>()

export const borrowedLock = (id: string): Borrowed | undefined => borrowed.get(id)

/**
 * The borrower's side: the lock's state while lent here. `onReturn` hears who
 * held it when it went back (they release it through the owner from then on).
 */
export class Borrowed implements Notified {
  private holder: string | undefined
  private depth = 1
  private readonly wakers = new Set<() => void>()
  private readonly channel: Channel

  constructor(
    private readonly reference: Reference,
    private readonly recursive: boolean,
    holder: string,
    private readonly onReturn: (holder: string, depth: number) => void
  ) {
    this.holder = holder
    this.channel = channel(reference)
    borrowed.set(reference.id, this)
    this.channel.notices.set(reference.id, this)
  }

  /** Takes it for `caller` if it is free (or `caller`'s, for an RLock). */
  tryTake(caller: string): boolean {
    if (this.holder === undefined) {
      this.holder = caller
      this.depth = 1
      return true
    }
    if (this.recursive && this.holder === caller) {
      this.depth++
      return true
    }
    return false
  }

  /**
   * Python's release, here; then answers a recall that has come meanwhile
   * (`readForRecall`: not while the channel is handling what it read).
   */
  release(caller: string, readForRecall = true): Exit.Exit<void, ValueError | NotOwnerError> {
    if (this.recursive && this.holder !== caller) return Exit.fail(notOwnerOfRecursive())
    if (this.holder === undefined) return Exit.fail(releasedTooOften())
    if (this.recursive && this.depth > 1) {
      this.depth--
      return Exit.void
    }
    this.holder = undefined
    this.wake()
    if (readForRecall) this.channel.unsafePoll()
    return Exit.void
  }

  isMine(caller: string): boolean {
    return this.holder === caller
  }

  get isFree(): boolean {
    return this.holder === undefined
  }

  /**
   * Waits, at most `timeout`, until the lock is released here or the lease
   * ends (then the caller tries again): whether that came in time. The wait
   * counts from now, not from when the Effect runs, so a release in between
   * is not missed.
   */
  changed(timeout: Duration.Duration | undefined): Effect.Effect<boolean> {
    const woken = Deferred.unsafeMake<void>(FiberId.none)
    const wake = () => Deferred.unsafeDone(woken, Exit.void)
    this.wakers.add(wake)
    return Effect.ensuring(awaitWithin(Deferred.await(woken), timeout), Effect.sync(() => this.wakers.delete(wake)))
  }

  recall(): void {
    this.end()
    const holder = this.holder
    // Written before anything a waiter sends next: the owner takes it back first.
    const [method, args] = returnLease(holder, this.depth)
    this.channel.post(this.reference, method, args, "", true)
    if (holder !== undefined) this.onReturn(holder, this.depth)
    this.wake()
  }

  gone(): void {
    this.end()
    this.wake()
  }

  private end(): void {
    borrowed.delete(this.reference.id)
    this.channel.notices.delete(this.reference.id)
  }

  private wake(): void {
    const wakers = [...this.wakers]
    this.wakers.clear()
    for (const wake of wakers) wake()
  }
}
