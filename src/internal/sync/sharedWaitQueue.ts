/**
 * The callers waiting on a Condition or a Barrier in shared memory, in the
 * order they came: a table of slots, one per waiting caller, each its own
 * futex word, linked into a queue. A notify marks exactly the slots it wakes
 * and wakes each on its own word, so `notify(1)` wakes one caller, never a
 * later comer, and a wake-up that lands before its caller sleeps is not lost
 * (the futex sleeps only while the slot still says WAITING).
 *
 * Every change of the queue is made under the primitive's mutex (the
 * Condition's lock, the Barrier's own); only a caller's sleep on its slot
 * happens outside it. A slot remembers its caller's thread (its OS thread id,
 * thisProcess/thisThread.ts): a caller that died waiting is skipped by
 * `notify(n)` (its wake-up goes to a live one) and its slot taken back when
 * the table runs short.
 */
import { Effect } from "effect"
import { threadRuns } from "../thisProcess/thisThread.js"
import { futexWait } from "../native/futexWait.js"
import type { WaitResult, Waker } from "../native/native.js"
import { nap } from "./nap.js"

/** A slot's state: free, or its caller waits, or what ended its wait (the primitive's own codes, from 2). */
export const FREE = 0
export const WAITING = 1

/** Header words: the queue's first and last slot, the first free slot (each index + 1, 0 for none), how many wait. */
const HEAD = 0
const TAIL = 1
const FREE_LIST = 2
const COUNT = 3
const HEADER_WORDS = 4

/** Slot words. */
const STATE = 0
const THREAD = 1
const PREV = 2
const NEXT = 3
const SLOT_WORDS = 4

/** The words a queue of `capacity` slots takes. */
export const queueWords = (capacity: number): number => HEADER_WORDS + capacity * SLOT_WORDS

export class SharedWaitQueue {
  constructor(
    private readonly shm: Waker,
    private readonly words: Int32Array,
    /** Where the queue starts among `words`. */
    private readonly base: number,
    readonly capacity: number
  ) {}

  /** Links every slot of a new queue into its free list (before anyone else sees it). */
  static initialize(words: Int32Array, base: number, capacity: number): void {
    for (let slot = 0; slot < capacity; slot++) words[base + HEADER_WORDS + slot * SLOT_WORDS + NEXT] = slot + 1 < capacity ? slot + 2 : 0
    words[base + FREE_LIST] = capacity > 0 ? 1 : 0
  }

  private at(slot: number, word: number): number {
    return this.base + HEADER_WORDS + slot * SLOT_WORDS + word
  }

  /** How many wait. */
  get waiting(): number {
    return Atomics.load(this.words, this.base + COUNT)
  }

  /** A slot at the queue's end for a caller of the thread `thread` (its OS thread id), WAITING; -1 when every slot is taken. */
  enqueue(thread: number): number {
    const words = this.words
    if (words[this.base + FREE_LIST] === 0) this.reclaim()
    const free = words[this.base + FREE_LIST]
    if (free === 0) return -1
    const slot = free - 1
    words[this.base + FREE_LIST] = words[this.at(slot, NEXT)]
    words[this.at(slot, THREAD)] = thread
    words[this.at(slot, PREV)] = words[this.base + TAIL]
    words[this.at(slot, NEXT)] = 0
    if (words[this.base + TAIL] === 0) words[this.base + HEAD] = free
    else words[this.at(words[this.base + TAIL] - 1, NEXT)] = free
    words[this.base + TAIL] = free
    Atomics.add(words, this.base + COUNT, 1)
    Atomics.store(words, this.at(slot, STATE), WAITING)
    return slot
  }

  /** Takes `slot` out of the queue (it is WAITING), leaving its state as it is. */
  private unlink(slot: number): void {
    const words = this.words
    const prev = words[this.at(slot, PREV)]
    const next = words[this.at(slot, NEXT)]
    if (prev === 0) words[this.base + HEAD] = next
    else words[this.at(prev - 1, NEXT)] = next
    if (next === 0) words[this.base + TAIL] = prev
    else words[this.at(next - 1, PREV)] = prev
    Atomics.sub(words, this.base + COUNT, 1)
  }

  /** Ends the wait of the slot's caller with `outcome` and wakes it. */
  private end(slot: number, outcome: number): void {
    this.unlink(slot)
    Atomics.store(this.words, this.at(slot, STATE), outcome)
    this.shm.wake(this.words, this.at(slot, STATE), 1)
  }

  /** Ends the waits of the `n` callers that came first with `outcome` (a dead caller's counts not); gives how many. */
  wakeFirst(n: number, outcome: number): number {
    let woken = 0
    while (woken < n && this.words[this.base + HEAD] !== 0) {
      const slot = this.words[this.base + HEAD] - 1
      if (!threadRuns(this.words[this.at(slot, THREAD)])) {
        this.unlink(slot)
        this.release(slot)
        continue
      }
      this.end(slot, outcome)
      woken++
    }
    return woken
  }

  /** Ends every wait with `outcome`. */
  wakeAll(outcome: number): void {
    while (this.words[this.base + HEAD] !== 0) this.end(this.words[this.base + HEAD] - 1, outcome)
  }

  /** The slot's state: WAITING, or what ended its wait. */
  state(slot: number): number {
    return Atomics.load(this.words, this.at(slot, STATE))
  }

  /** Gives the slot back once its caller is done with it; a caller still WAITING leaves the queue. Gives the state it had. */
  leave(slot: number): number {
    const state = this.state(slot)
    if (state === WAITING) this.unlink(slot)
    this.release(slot)
    return state
  }

  private release(slot: number): void {
    Atomics.store(this.words, this.at(slot, STATE), FREE)
    this.words[this.at(slot, NEXT)] = this.words[this.base + FREE_LIST]
    this.words[this.base + FREE_LIST] = slot + 1
  }

  /** Blocks briefly while the slot is WAITING (see nap.ts); whether its wait ended meanwhile. */
  nap(slot: number, deadline: number | undefined): boolean {
    return nap(this.shm, this.words, this.at(slot, STATE), WAITING, deadline)
  }

  /** Sleeps while the slot is WAITING, at most `millis` (see futexWait). */
  sleep(slot: number, millis: number): Effect.Effect<WaitResult> {
    return futexWait(this.shm, this.words, this.at(slot, STATE), WAITING, millis)
  }

  /** The thread of a caller still waiting that has died, if any (read without the mutex: confirm under it). */
  deadWaiter(): number | undefined {
    for (let slot = 0; slot < this.capacity; slot++) {
      if (this.state(slot) !== WAITING) continue
      const thread = Atomics.load(this.words, this.at(slot, THREAD))
      if (!threadRuns(thread)) return thread
    }
    return undefined
  }

  /** Whether a caller of `thread` still waits (under the mutex). */
  hasWaiter(thread: number): boolean {
    for (let next = this.words[this.base + HEAD]; next !== 0; next = this.words[this.at(next - 1, NEXT)]) {
      if (this.words[this.at(next - 1, THREAD)] === thread) return true
    }
    return false
  }

  /** Takes back the slots of callers that died waiting or before they gave their slot back. */
  private reclaim(): void {
    for (let slot = 0; slot < this.capacity; slot++) {
      const state = this.state(slot)
      if (state === FREE) continue
      if (threadRuns(this.words[this.at(slot, THREAD)])) continue
      if (state === WAITING) this.unlink(slot)
      this.release(slot)
    }
  }
}
