/**
 * The state behind Queue, JoinableQueue and SimpleQueue, kept by the process
 * that serves them: encoded items in FIFO order (the owner never decodes
 * them), the gets and puts waiting, and a JoinableQueue's count of unfinished
 * tasks. What CPython keeps in a pipe, a bounded semaphore and a condition.
 *
 * A get may take several items at once (a proxy keeps the rest for its next
 * gets): waiting gets are served at the end of the tick, once every put that
 * arrived with the same read is in. What a get took stays leased to its taker
 * until it says it handed the items out (`ack`); items it gives back, or that
 * its process had not handed out when it died, go back to the front, in order.
 *
 * One taker at a time holds a lease: while one holds items it has not handed
 * out, another's get waits (see `mayTake`). So nobody ever takes items behind
 * leased ones, and items given back are the oldest not handed out: whoever
 * gets them next sees each producer's items in order, as Python promises
 * ("objects enqueued by the same process will always be in the expected order
 * with respect to each other"). A holder hands its batch out quickly, or gives
 * it back once it idles (prefetch.ts), or its process dies: the wait is short.
 * It is Python's, where a get holds the queue's read lock while it reads.
 */
import { Deferred, Duration, Effect, Exit } from "effect"
import { Empty, EOFError, Full, ValueError } from "../../Errors.js"
import { offsetsOf } from "../wire/itemBatch.js"
import type { SimpleQueue } from "../../ProcessQueue.js"
import { answersAtOnce, awaitWithin } from "../served/backend.js"
import type { Client } from "../served/server.js"

export type QueueKind = SimpleQueue["kind"]

interface Getter {
  readonly want: number
  readonly taker: unknown
  readonly woken: Deferred.Deferred<Uint8Array, EOFError>
  granted: Uint8Array | undefined
  /** What was granted, as leased to `taker` (given back if the get is interrupted before it returns). */
  leased: Segment | undefined
}

interface Putter {
  /** One item, packed. */
  readonly item: Uint8Array
  readonly woken: Deferred.Deferred<void, ValueError>
  admitted: boolean
}

/** A batch as it came, and how far into it gets have taken. */
interface Segment {
  readonly bytes: Buffer
  /** Where each item starts, and where the last ends. */
  readonly offsets: Uint32Array
  next: number
}

/** Items handed to a taker in another process and not yet acknowledged, oldest first. */
interface Lease {
  readonly segments: Array<Segment>
  count: number
}

/** What one get hands over at most, besides its first item: a proxy's batch stays small. */
const BATCH_BYTES = 256 * 1024


/** Who takes items in the owner's own process (other processes are told apart by their connection). */
export const OWNER_TAKER: unique symbol = Symbol("owner")

const segmentOf = (batch: Uint8Array): Segment => ({
  bytes: Buffer.isBuffer(batch) ? batch : Buffer.from(batch.buffer, batch.byteOffset, batch.byteLength),
  offsets: offsetsOf(batch),
  next: 0
})

/** What a queue with a shared ring (sharedRing.ts) learns of its owner's store, where its overflowed items are. */
export interface OverflowObserver {
  /** Items came in (put, or given back): consumers waiting for them look again. */
  readonly arrived: () => void
  /** `count` items were taken for good. */
  readonly taken: (count: number) => void
}

export class QueueCore {
  /** The items, as the batches they came in (no object per item: a long queue costs the GC little). */
  private segments: Array<Segment | undefined> = []
  private head = 0
  private count = 0
  private getters: Array<Getter> = []
  private putters: Array<Putter> = []
  private serveQueued = false
  private unfinished = 0
  private joiners: Array<Deferred.Deferred<void, EOFError>> = []
  private ended = false
  private shutDown = false
  /** At most one taker's (see `mayTake`); the owner's own gets that return at once lease nothing. */
  private readonly leases = new Map<unknown, Lease>()
  /** Processes that have gone: what is got for them after that is given back at once (see `abandon`), not leased. */
  readonly goneClients = new WeakSet<Client>()

  constructor(
    readonly kind: QueueKind,
    /** Puts wait past this many items; zero or less: no limit (CPython's `maxsize`). */
    readonly maxsize: number,
    /** The queue's shared ring, when it has one: this store then keeps only what overflowed it. */
    readonly ringName?: string,
    private readonly observer?: OverflowObserver,
    /** The ring's own maxsize, which its references name (this store is unbounded then). */
    readonly ringMaxsize = 0
  ) {}

  /** Items put and not yet taken (CPython's `qsize`). */
  get size(): number {
    return this.count
  }

  get isFull(): boolean {
    return this.maxsize > 0 && this.size >= this.maxsize
  }

  private endedError(): ValueError {
    return new ValueError({ message: "the queue has ended: nothing more can be put on it" })
  }

  /** Adds a packed batch at the back (a put) or the front (items given back); its item count. */
  private add(batch: Uint8Array, front: boolean): number {
    const segment = segmentOf(batch)
    const items = segment.offsets.length - 1
    if (items === 0) return 0
    if (front) {
      this.segments = [segment, ...this.segments.slice(this.head)]
      this.head = 0
    } else this.segments.push(segment)
    this.count += items
    this.observer?.arrived()
    return items
  }

  /**
   * CPython's `put(item, block, timeout)` for a packed batch of items from one
   * producer: an unbounded queue takes them all at once; a bounded one takes
   * one item, and waits for room unless `block` is false (`Full` then, or
   * when the timeout runs out).
   */
  unsafePut(batch: Uint8Array, block = true, timeout?: Duration.Duration): Effect.Effect<void, Full | ValueError> {
    if (this.ended) return Exit.fail(this.endedError())
    if (this.maxsize > 0 && offsetsOf(batch).length !== 2) return Exit.fail(new ValueError({ message: "a bounded queue takes one item per put" }))
    if (this.maxsize <= 0 || (this.putters.length === 0 && !this.isFull)) {
      this.unfinished += this.add(batch, false)
      this.wakeGetters()
      return Exit.void
    }
    if (answersAtOnce(block, timeout)) return Exit.fail(new Full())
    const putter: Putter = { item: batch, woken: Deferred.unsafeMake(undefined as never), admitted: false }
    this.putters.push(putter)
    return awaitWithin(Deferred.await(putter.woken), timeout).pipe(
      Effect.flatMap((inTime) => {
        if (inTime || putter.admitted) return Effect.void
        this.withdraw(this.putters, putter)
        return Effect.fail(new Full())
      }),
      // An interrupted put that was admitted in that instant stays put: the item is in, as a
      // Python put that returned.
      Effect.onInterrupt(() => Effect.sync(() => putter.admitted || this.withdraw(this.putters, putter)))
    )
  }

  /**
   * CPython's `get(block, timeout)`, taking up to `want` items (at least one):
   * `Empty` when there are none and `block` is false or the timeout runs out;
   * `EOFError` once the queue has ended and is empty. Interrupting a waiting
   * get withdraws it; items handed over in that instant go back to the front.
   * `taker` says who gets them: what another process takes is leased to it
   * (see `ack`). While someone else holds a lease, the get waits: `Empty` at
   * once when `block` is false, as Python's get when another process holds the
   * queue's read lock.
   */
  unsafeGet(want: number, block = true, timeout?: Duration.Duration, taker: unknown = OWNER_TAKER): Effect.Effect<Uint8Array, Empty | EOFError> {
    if (this.size > 0 && this.getters.length > 0) this.serveGetters() // those first, and now: they came first
    // Any get still waiting now waits for another's lease: this one may go ahead if it holds that lease.
    if (this.size > 0 && this.mayTake(taker)) return Exit.succeed(this.take(want, this.getters.length, taker, taker !== OWNER_TAKER).batch)
    if (this.ended && this.size === 0) return Exit.fail(this.endOfQueue())
    if (answersAtOnce(block, timeout)) return Exit.fail(new Empty())
    // The owner's own waiting get holds what it is granted until its fiber takes it: a lease of its own.
    const getter: Getter = {
      want,
      taker: taker === OWNER_TAKER ? {} : taker,
      woken: Deferred.unsafeMake(undefined as never),
      granted: undefined,
      leased: undefined
    }
    this.getters.push(getter)
    return awaitWithin(Deferred.await(getter.woken), timeout).pipe(
      Effect.flatMap((inTime) => {
        if (getter.granted !== undefined) {
          if (taker === OWNER_TAKER) this.ack(getter.taker, Infinity)
          return Effect.succeed(getter.granted)
        }
        if (!inTime) this.withdraw(this.getters, getter)
        return Effect.fail(new Empty())
      }),
      Effect.onInterrupt(() =>
        Effect.sync(() => {
          if (getter.leased !== undefined) this.revoke(getter.taker, getter.leased)
          else this.withdraw(this.getters, getter)
        })
      )
    )
  }

  /** Nobody but `taker` holds items not handed out: items it takes now cannot be behind any that may come back. */
  private mayTake(taker: unknown): boolean {
    return this.leases.size === 0 || (this.leases.size === 1 && this.leases.has(taker))
  }

  private endOfQueue(): EOFError {
    return new EOFError({ message: "the queue has ended and every item has been taken" })
  }

  /** Takes up to `want` items (at least one), packed, for a get, leased to `taker` if `leased`; then lets waiting puts in. */
  private take(want: number, others: number, taker: unknown, leased: boolean): { batch: Uint8Array; leased: Segment | undefined } {
    const share = Math.max(1, Math.min(want, Math.ceil(this.count / (others + 1))))
    const pieces: Array<Buffer> = []
    let taken = 0
    let bytes = 0
    while (taken < share && this.head < this.segments.length) {
      const segment = this.segments[this.head]!
      const { offsets } = segment
      const start = offsets[segment.next]
      let to = Math.min(offsets.length - 1, segment.next + share - taken)
      while (to > segment.next + 1 && bytes + offsets[to] - start > BATCH_BYTES) to--
      if (taken > 0 && bytes + offsets[to] - start > BATCH_BYTES) break
      pieces.push(segment.bytes.subarray(start, offsets[to]))
      bytes += offsets[to] - start
      taken += to - segment.next
      segment.next = to
      if (to === offsets.length - 1) this.segments[this.head++] = undefined
    }
    this.count -= taken
    if (this.head === this.segments.length) {
      this.segments = []
      this.head = 0
    } else if (this.head > 64 && this.head * 2 > this.segments.length) {
      this.segments = this.segments.slice(this.head)
      this.head = 0
    }
    const batch = pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, bytes)
    const lease = leased ? this.lease(taker, batch) : undefined
    if (!leased) this.observer?.taken(taken)
    this.admitPutters()
    return { batch, leased: lease }
  }

  private admitPutters(): void {
    while (this.putters.length > 0 && !this.isFull) {
      const putter = this.putters.shift()!
      putter.admitted = true
      this.unfinished += this.add(putter.item, false)
      Deferred.unsafeDone(putter.woken, Exit.void)
    }
    if (this.putters.length === 0 || this.size > 0) this.wakeGetters()
  }

  /** Waiting gets are served at the end of the tick: every put that came with this one is in by then. */
  private wakeGetters(): void {
    if (this.serveQueued || this.getters.length === 0) return
    this.serveQueued = true
    process.nextTick(() => {
      this.serveQueued = false
      this.serveGetters()
    })
  }

  /** In the order they came, the waiting gets that may take (see `mayTake`): the first one served holds a lease, then only its taker's. */
  private serveGetters(): void {
    for (let at = 0; at < this.getters.length && this.size > 0;) {
      const getter = this.getters[at]
      if (!this.mayTake(getter.taker)) {
        at++
        continue
      }
      this.getters.splice(at, 1)
      const { batch, leased } = this.take(getter.want, this.getters.length, getter.taker, true)
      getter.granted = batch
      getter.leased = leased
      Deferred.unsafeDone(getter.woken, Exit.succeed(batch))
    }
    if (this.ended && this.size === 0) this.end()
  }

  /** Items taken and not handed out after all (one did not decode, or a lease given back), packed: back to the front. */
  giveBack(batch: Uint8Array): void {
    if (this.add(batch, true) > 0) this.wakeGetters()
  }

  /** Records `batch` as handed to `taker` until it acknowledges it (`ack`). */
  private lease(taker: unknown, batch: Uint8Array): Segment {
    const segment = segmentOf(batch)
    let lease = this.leases.get(taker)
    if (lease === undefined) this.leases.set(taker, lease = { segments: [], count: 0 })
    lease.segments.push(segment)
    lease.count += segment.offsets.length - 1
    return segment
  }

  /** A get interrupted after it was granted `segment` (and before it returned): what of it is still leased goes back to the front. */
  private revoke(taker: unknown, segment: Segment): void {
    const lease = this.leases.get(taker)
    const at = lease?.segments.indexOf(segment) ?? -1
    if (lease === undefined || at < 0) return
    lease.segments.splice(at, 1)
    lease.count -= segment.offsets.length - 1 - segment.next
    if (lease.count === 0) this.leases.delete(taker)
    this.add(segment.bytes.subarray(segment.offsets[segment.next]), true)
    this.wakeGetters()
  }

  /** `taker` has handed out its `count` oldest leased items (fewer if it has fewer): they are its for good. */
  ack(taker: unknown, count: number): void {
    const leased = this.leases.get(taker)?.count ?? 0
    this.unlease(taker, count)
    if (leased > 0) this.observer?.taken(Math.min(count, leased))
  }

  /** `taker`'s `count` oldest leased items (fewer if it has fewer), off its lease. */
  private unlease(taker: unknown, count: number): Array<Buffer> {
    const lease = this.leases.get(taker)
    const pieces: Array<Buffer> = []
    if (lease === undefined) return pieces
    let left = Math.min(count, lease.count)
    lease.count -= left
    while (left > 0) {
      const segment = lease.segments[0]
      const to = Math.min(segment.offsets.length - 1, segment.next + left)
      pieces.push(segment.bytes.subarray(segment.offsets[segment.next], segment.offsets[to]))
      left -= to - segment.next
      segment.next = to
      if (to === segment.offsets.length - 1) lease.segments.shift()
    }
    if (lease.count === 0) {
      this.leases.delete(taker)
      this.wakeGetters() // the gets that waited for this lease
    }
    return pieces
  }

  /** `taker` gives back its `count` oldest leased items (all, when its process has gone), which it will not hand out: back to the front. */
  giveBackLeased(taker: unknown, count: number): void {
    const pieces = this.unlease(taker, count)
    if (pieces.length > 0) this.giveBack(pieces.length === 1 ? pieces[0] : Buffer.concat(pieces))
  }

  /** CPython's `task_done()`, `count` times: fails past the number of unfinished tasks. */
  taskDone(count: number): Exit.Exit<void, ValueError> {
    if (count > this.unfinished) return Exit.fail(new ValueError({ message: "task_done() called too many times" }))
    this.unfinished -= count
    if (this.unfinished === 0) {
      const woken = this.joiners
      this.joiners = []
      for (const joiner of woken) Deferred.unsafeDone(joiner, Exit.void)
    }
    return Exit.void
  }

  /** CPython's `join()`: done once every item put has been marked done. */
  unsafeJoin(): Effect.Effect<void, EOFError> {
    if (this.unfinished === 0) return Exit.void
    if (this.shutDown) return Exit.fail(this.noLongerServed())
    const joiner = Deferred.unsafeMake<void, EOFError>(undefined as never)
    this.joiners.push(joiner)
    return Effect.onInterrupt(Deferred.await(joiner), () =>
      Effect.sync(() => this.withdraw(this.joiners, joiner)))
  }

  /**
   * Ends the queue: nothing more can be put, and once the items left are
   * taken every get fails with `EOFError` — a stream's end, for every consumer.
   */
  end(): void {
    this.ended = true
    const putters = this.putters
    this.putters = []
    for (const putter of putters) Deferred.unsafeDone(putter.woken, Exit.fail(this.endedError()))
    if (this.size === 0) {
      const getters = this.getters
      this.getters = []
      for (const getter of getters) Deferred.unsafeDone(getter.woken, Exit.fail(this.endOfQueue()))
    }
  }

  /** Its owner stops serving it: it ends, and joins waiting for tasks that will never be done fail. */
  shutdown(): void {
    this.end()
    this.shutDown = true
    const joiners = this.joiners
    this.joiners = []
    for (const joiner of joiners) Deferred.unsafeDone(joiner, Exit.fail(this.noLongerServed()))
  }

  private noLongerServed(): EOFError {
    return new EOFError({ message: "the queue is no longer served: its owner closed it" })
  }

  private withdraw<T>(from: Array<T>, entry: T): void {
    const at = from.indexOf(entry)
    if (at >= 0) from.splice(at, 1)
  }
}
