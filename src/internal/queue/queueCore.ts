/**
 * The state behind Queue, JoinableQueue and SimpleQueue, kept by the process
 * that serves them: encoded items in FIFO order (the owner never decodes
 * them), the gets and puts waiting, and a JoinableQueue's count of unfinished
 * tasks. What CPython keeps in a pipe, a bounded semaphore and a condition.
 *
 * A get may take several items at once (a proxy keeps the rest for its next
 * gets): waiting gets are served at the end of the tick, once every put that
 * arrived with the same read is in, and several waiting gets share what there
 * is. What another process took stays leased to it until it says it handed
 * the items out (`ack`): if it dies first, the rest go back to the front, in
 * order, for the other consumers (see `giveBackLeased`).
 */
import { Deferred, Duration, Effect, Exit } from "effect"
import { Empty, EOFError, Full, ValueError } from "../../Errors.js"
import { offsetsOf } from "../wire/itemBatch.js"
import type { SimpleQueue } from "../../Queue.js"
import { answersAtOnce, awaitWithin } from "../served/backend.js"
import type { Client } from "../served/server.js"

export type QueueKind = SimpleQueue["kind"]

interface Getter {
  readonly want: number
  readonly taker: unknown
  readonly woken: Deferred.Deferred<Uint8Array, EOFError>
  granted: Uint8Array | undefined
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
  /** Items handed to gets so far; who took the last ones, and how many had been handed out before their run of takes began. */
  private taken = 0
  private lastTaker: unknown = undefined
  private lastRunFrom = 0
  private readonly leases = new Map<unknown, Lease>()
  /** Processes that have gone: what is got for them after that is given back at once (see `abandon`), not leased. */
  readonly goneClients = new WeakSet<Client>()

  constructor(
    readonly kind: QueueKind,
    /** Puts wait past this many items; zero or less: no limit (CPython's `maxsize`). */
    readonly maxsize: number
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
   * `taker` says who gets them (see `offerBack`).
   */
  unsafeGet(want: number, block = true, timeout?: Duration.Duration, taker: unknown = OWNER_TAKER): Effect.Effect<Uint8Array, Empty | EOFError> {
    if (this.size > 0 && this.getters.length > 0) this.serveGetters() // those first, and now: they came first
    if (this.size > 0 && this.getters.length === 0) return Exit.succeed(this.take(want, 0, taker))
    if (this.ended && this.size === 0) return Exit.fail(this.endOfQueue())
    if (answersAtOnce(block, timeout)) return Exit.fail(new Empty())
    const getter: Getter = { want, taker, woken: Deferred.unsafeMake(undefined as never), granted: undefined }
    this.getters.push(getter)
    return awaitWithin(Deferred.await(getter.woken), timeout).pipe(
      Effect.flatMap((inTime) => {
        if (getter.granted !== undefined) return Effect.succeed(getter.granted)
        if (!inTime) this.withdraw(this.getters, getter)
        return Effect.fail(new Empty())
      }),
      Effect.onInterrupt(() =>
        Effect.sync(() => {
          if (getter.granted !== undefined) this.giveBack(getter.granted)
          else this.withdraw(this.getters, getter)
        })
      )
    )
  }

  private endOfQueue(): EOFError {
    return new EOFError({ message: "the queue has ended and every item has been taken" })
  }

  /** Takes up to `want` items (at least one), packed, for a get; then lets waiting puts in. */
  private take(want: number, others: number, taker: unknown): Uint8Array {
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
    if (taker !== this.lastTaker) {
      this.lastTaker = taker
      this.lastRunFrom = this.taken
    }
    this.taken += taken
    if (this.head === this.segments.length) {
      this.segments = []
      this.head = 0
    } else if (this.head > 64 && this.head * 2 > this.segments.length) {
      this.segments = this.segments.slice(this.head)
      this.head = 0
    }
    this.admitPutters()
    return pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, bytes)
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

  private serveGetters(): void {
    while (this.getters.length > 0 && this.size > 0) {
      const getter = this.getters.shift()!
      getter.granted = this.take(getter.want, this.getters.length, getter.taker)
      Deferred.unsafeDone(getter.woken, Exit.succeed(getter.granted))
    }
    if (this.ended && this.size === 0) this.end()
  }

  /** Items taken and not handed out after all (an interrupted get), packed: back to the front. */
  giveBack(batch: Uint8Array): void {
    if (this.add(batch, true) > 0) this.wakeGetters()
  }

  /** Records `batch` as handed to `taker`, in another process, until it acknowledges it (`ack`). */
  lease(taker: unknown, batch: Uint8Array): void {
    const segment = segmentOf(batch)
    const items = segment.offsets.length - 1
    if (items === 0) return
    let lease = this.leases.get(taker)
    if (lease === undefined) this.leases.set(taker, lease = { segments: [], count: 0 })
    lease.segments.push(segment)
    lease.count += items
  }

  /** `taker` has handed out its `count` oldest leased items (fewer if it has fewer): they are its for good; here they are, off its lease. */
  ack(taker: unknown, count: number): Array<Buffer> {
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
    if (lease.count === 0) this.leases.delete(taker)
    return pieces
  }

  /** `taker` gives back its `count` oldest leased items (all, when its process has gone), which it will not hand out: back to the front. */
  giveBackLeased(taker: unknown, count: number): void {
    const pieces = this.ack(taker, count)
    if (pieces.length > 0) this.giveBack(pieces.length === 1 ? pieces[0] : Buffer.concat(pieces))
  }

  /**
   * `taker` offers back every item leased to it (`count`, as it counts them),
   * as a process slow to take them does: back to the front only if they were
   * the last items handed out, all to `taker` — as if never taken. Otherwise
   * someone has taken items behind them since, and would get these out of
   * their order (a producer's items must reach each consumer in order):
   * `taker` keeps them.
   */
  offerBack(taker: unknown, count: number): boolean {
    const leased = this.leases.get(taker)?.count ?? 0
    if (taker !== this.lastTaker || count !== leased || count > this.taken - this.lastRunFrom) return false
    this.taken -= count
    this.giveBackLeased(taker, count)
    return true
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
