/**
 * The state behind Queue, JoinableQueue and SimpleQueue, kept by the process
 * that serves them: encoded items in FIFO order (the owner never decodes
 * them), the gets and puts waiting, and a JoinableQueue's count of unfinished
 * tasks. What CPython keeps in a pipe, a bounded semaphore and a condition.
 *
 * A get may take several items at once (a proxy keeps the rest for its next
 * gets): waiting gets are served at the end of the tick, once every put that
 * arrived with the same read is in, and several waiting gets share what there
 * is.
 */
import { Deferred, Duration, Effect, Exit } from "effect"
import { Empty, EOFError, Full, ValueError } from "../Errors.js"
import { awaitWithin } from "./primitive.js"

interface Getter {
  readonly want: number
  readonly woken: Deferred.Deferred<ReadonlyArray<Uint8Array>, EOFError>
  granted: ReadonlyArray<Uint8Array> | undefined
}

interface Putter {
  readonly item: Uint8Array
  readonly woken: Deferred.Deferred<void, ValueError>
  admitted: boolean
}

/** What one get hands over at most, besides its first item: a proxy's batch stays small. */
const BATCH_BYTES = 256 * 1024

const expired = (timeout: Duration.Duration | undefined) =>
  timeout !== undefined && Duration.lessThanOrEqualTo(timeout, Duration.zero)

export class QueueCore {
  private items: Array<Uint8Array> = []
  private head = 0
  private getters: Array<Getter> = []
  private putters: Array<Putter> = []
  private serveQueued = false
  private unfinished = 0
  private joiners: Array<Deferred.Deferred<void, EOFError>> = []
  private ended = false
  private shutDown = false

  constructor(
    /** Puts wait past this many items; zero or less: no limit (CPython's `maxsize`). */
    readonly maxsize: number
  ) {}

  /** Items put and not yet taken (CPython's `qsize`). */
  get size(): number {
    return this.items.length - this.head
  }

  get isFull(): boolean {
    return this.maxsize > 0 && this.size >= this.maxsize
  }

  /** Unfinished tasks of a JoinableQueue: items put and not yet marked done. */
  get unfinishedTasks(): number {
    return this.unfinished
  }

  private endedError(): ValueError {
    return new ValueError({ message: "the queue has ended: nothing more can be put on it" })
  }

  private append(item: Uint8Array): void {
    this.items.push(item)
    this.unfinished++
  }

  /**
   * CPython's `put(item, block, timeout)` for a batch of items from one
   * producer: an unbounded queue takes them all at once; a bounded one takes
   * one item, and waits for room unless `block` is false (`Full` then, or
   * when the timeout runs out).
   */
  unsafePut(items: ReadonlyArray<Uint8Array>, block = true, timeout?: Duration.Duration): Effect.Effect<void, Full | ValueError> {
    if (this.ended) return Exit.fail(this.endedError())
    if (this.maxsize <= 0) {
      for (const item of items) this.append(item)
      this.wakeGetters()
      return Exit.void
    }
    if (items.length !== 1) return Exit.fail(new ValueError({ message: "a bounded queue takes one item per put" }))
    if (this.putters.length === 0 && !this.isFull) {
      this.append(items[0])
      this.wakeGetters()
      return Exit.void
    }
    if (!block || expired(timeout)) return Exit.fail(new Full())
    const putter: Putter = { item: items[0], woken: Deferred.unsafeMake(undefined as never), admitted: false }
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
   */
  unsafeGet(want: number, block = true, timeout?: Duration.Duration): Effect.Effect<ReadonlyArray<Uint8Array>, Empty | EOFError> {
    if (this.size > 0 && this.getters.length === 0) return Exit.succeed(this.take(want, 0))
    if (this.ended && this.size === 0) return Exit.fail(this.endOfQueue())
    if (!block || expired(timeout)) return Exit.fail(new Empty())
    const getter: Getter = { want, woken: Deferred.unsafeMake(undefined as never), granted: undefined }
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

  /** Takes up to `want` items (at least one) for a get, then lets waiting puts in. */
  private take(want: number, others: number): ReadonlyArray<Uint8Array> {
    const share = Math.max(1, Math.min(want, Math.ceil(this.size / (others + 1))))
    const from = this.head
    let to = from + 1
    let bytes = this.items[from].byteLength
    while (to - from < share && bytes + this.items[to].byteLength <= BATCH_BYTES) bytes += this.items[to++].byteLength
    const taken = this.items.slice(from, to)
    this.head = to
    if (this.head === this.items.length) {
      this.items = []
      this.head = 0
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    this.admitPutters()
    return taken
  }

  private admitPutters(): void {
    while (this.putters.length > 0 && !this.isFull) {
      const putter = this.putters.shift()!
      putter.admitted = true
      this.append(putter.item)
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
      while (this.getters.length > 0 && this.size > 0) {
        const getter = this.getters.shift()!
        getter.granted = this.take(getter.want, this.getters.length)
        Deferred.unsafeDone(getter.woken, Exit.succeed(getter.granted))
      }
      if (this.ended && this.size === 0) this.end()
    })
  }

  /** Items a proxy took and did not hand out (it closed, or its process is ending): back to the front. */
  giveBack(items: ReadonlyArray<Uint8Array>): void {
    if (items.length === 0) return
    this.items = [...items, ...this.items.slice(this.head)]
    this.head = 0
    this.wakeGetters()
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
