/**
 * Lock and RLock in shared memory: the three-state futex mutex of Drepper's
 * "Futexes are tricky" (mutex #2), whose lock word also names its holder.
 *
 * The lock word is 0 when free, else the holder's thread (its OS thread id:
 * worker threads share the pid, see thisProcess/thisThread.ts), with WAITERS
 * set once someone may sleep on it. Taking a free lock is one compare-and-swap
 * and releasing an uncontended one another: no syscall, no Promise, no fiber.
 * A taker that finds it held spins briefly (only when the holder is another
 * thread: this one's cannot run meanwhile), then marks it WAITERS and sleeps on
 * the word; a release that finds WAITERS set wakes one sleeper.
 *
 * A synchronous taker (`acquireSync`, Python's blocking `acquire()`) spins
 * longer, then sleeps in the kernel in this thread: a hand-over then costs a
 * futex wake-up, not the waiter thread's and the event loop's turns too.
 *
 * A holder that dies holding it: sleepers wake every LIVENESS_SLICE to look
 * at the holder's thread (gone once it ended, however, or its process did),
 * and the first to find it gone takes the lock over with one compare-and-swap
 * of the word it saw — as the served lock's owner releases what a dead client
 * held and hands it to its next waiter. The owner word and depth beside it
 * are written only by the holder (or for it, by a Condition's owner) and read
 * by others with Atomics; an owner number is never 0, so a word not yet
 * written (0) names nobody.
 */
import { Duration, Effect, Exit } from "effect"
import { type NotOwnerError, SyncUnsupportedError, type ValueError } from "../../Errors.js"
import { thisThread, threadRuns } from "../thisProcess/thisThread.js"
import { ACQUIRED, FOUND_HELD, notOwnerOfRecursive, releasedTooOften } from "./semLock.js"
import { futexWait, napsAllowed } from "../native/futexWait.js"
import { type Holder, holderOf } from "./holder.js"
import type { Waker } from "../native/native.js"

/** The words of a lock. */
const STATE = 0
const OWNER = 1
const DEPTH = 2
export const MUTEX_WORDS = 3

const WAITERS = 0x40000000
/** The holder's thread: its OS thread id. */
const THREAD = 0x3fffffff

/** Loads of the lock word before sleeping on it, while its holder (another thread) may release it any moment. */
const SPIN = 100

/**
 * Loads of the lock word a synchronous taker makes before it sleeps in the
 * kernel, and again after each wake-up (a few µs): a critical section in
 * shared memory is usually that short, and a futex sleep and wake-up cost
 * more. Not longer: on a busy machine the holder may be off its CPU, and a
 * spinning taker keeps it off.
 */
export const SYNC_SPIN = 500

/** The longest a taker blocks its thread waiting for another thread's release before it sleeps asynchronously. */
const NAP_MS = 1

/** How often a sleeper looks whether the holder still lives (and makes up for a wake-up lost to an interruption). */
export const LIVENESS_SLICE_MS = 100

export class SharedMutex {
  constructor(private readonly shm: Waker, private readonly words: Int32Array, readonly recursive: boolean) {}

  /** Python's `acquire(block, timeout)` for `caller`: an Exit when it answers at once. */
  acquire(caller: string, block: boolean, timeout: Duration.Duration | undefined): Effect.Effect<boolean> {
    const words = this.words
    const me = holderOf(caller)
    if (this.recursive) {
      const state = words[STATE]
      if (state !== 0 && (state & THREAD) === me.thread && words[OWNER] === me.owner) {
        words[DEPTH]++
        return ACQUIRED
      }
    }
    if (Atomics.compareExchange(words, STATE, 0, me.thread) === 0 || this.spin(me)) return this.took(me)
    if (!block || (timeout !== undefined && Duration.lessThanOrEqualTo(timeout, Duration.zero))) return FOUND_HELD
    const deadline = timeout === undefined || !Duration.isFinite(timeout) ? undefined : performance.now() + Duration.toMillis(timeout)
    return this.nap(me, deadline) ? this.took(me) : this.sleep(me, deadline)
  }

  /**
   * Sleeps on the lock word in the kernel, blocking this thread, for at most
   * NAP_MS: a lock another process holds for a short critical section comes
   * back at a futex wake-up's cost (tens of µs), where an asynchronous sleep
   * also waits for the waiter thread and this event loop to turn. Never when
   * the holder is this thread: it could not release it meanwhile.
   */
  private nap(me: Holder, deadline: number | undefined): boolean {
    const seen = this.mark(me)
    if (seen === 0) return true
    if ((seen & THREAD) === thisThread() || !napsAllowed()) return false
    const left = deadline === undefined ? NAP_MS : Math.min(NAP_MS, deadline - performance.now())
    if (left > 0) this.shm.wait(this.words, STATE, seen, left)
    return this.mark(me) === 0
  }

  /**
   * Python's blocking `acquire(block, timeout)` for `caller`, in this thread:
   * true once acquired, false when held and `block` is false or `timeoutMs`
   * (undefined: none) ran out. Throws SyncUnsupportedError, without waiting,
   * when this thread holds it and no timeout is given: this blocked thread is
   * the one its holder would need to release it. Another thread's hold, even
   * one of this process, is waited for.
   */
  acquireSync(caller: string, block: boolean, timeoutMs: number | undefined): boolean {
    const words = this.words
    const me = holderOf(caller)
    if (Atomics.compareExchange(words, STATE, 0, me.thread) === 0) {
      words[OWNER] = me.owner
      words[DEPTH] = 1
      return true
    }
    if (this.recursive) {
      const state = words[STATE]
      if (state !== 0 && (state & THREAD) === me.thread && words[OWNER] === me.owner) {
        words[DEPTH]++
        return true
      }
    }
    if (this.spin(me, SYNC_SPIN)) {
      this.took(me)
      return true
    }
    if (!block || (timeoutMs !== undefined && timeoutMs <= 0)) return false
    const deadline = timeoutMs === undefined || !Number.isFinite(timeoutMs) ? undefined : performance.now() + timeoutMs
    for (;;) {
      const seen = this.mark(me)
      if (seen === 0) {
        this.took(me)
        return true
      }
      if (deadline === undefined && (seen & THREAD) === thisThread()) throw heldHere()
      const left = deadline === undefined ? LIVENESS_SLICE_MS : deadline - performance.now()
      if (left <= 0) return false
      const result = this.shm.wait(words, STATE, seen, Math.min(LIVENESS_SLICE_MS, left))
      if (result === "timed-out" && this.takeFromDead(seen, me)) {
        this.took(me)
        return true
      }
      if (result === "ok" && this.spinWoken(me)) {
        this.took(me)
        return true
      }
    }
  }

  /** After a wake-up: spins for the lock before sleeping again, taking it with WAITERS kept (others may sleep). */
  private spinWoken(me: Holder): boolean {
    const words = this.words
    for (let i = 0; i < SYNC_SPIN; i++) {
      const state = Atomics.load(words, STATE)
      if (state === 0 && Atomics.compareExchange(words, STATE, 0, me.thread | WAITERS) === 0) return true
    }
    return false
  }

  private took(me: Holder): Exit.Exit<boolean> {
    this.words[OWNER] = me.owner
    this.words[DEPTH] = 1
    return ACQUIRED
  }

  private spin(me: Holder, loads = SPIN): boolean {
    const words = this.words
    for (let i = 0; i < loads; i++) {
      const state = Atomics.load(words, STATE)
      if (state === 0) {
        if (Atomics.compareExchange(words, STATE, 0, me.thread) === 0) return true
      } else if ((state & THREAD) === thisThread()) {
        return false
      }
    }
    return false
  }

  /**
   * Marks the lock WAITERS unless it is free; takes it if it is (WAITERS
   * kept: others may sleep). Gives 0 once taken, else the word to sleep on.
   */
  private mark(me: Holder): number {
    const words = this.words
    let state = Atomics.load(words, STATE)
    for (;;) {
      if (state === 0) {
        state = Atomics.compareExchange(words, STATE, 0, me.thread | WAITERS)
        if (state === 0) return 0
        continue
      }
      if ((state & WAITERS) !== 0) return state
      const seen = Atomics.compareExchange(words, STATE, state, state | WAITERS)
      if (seen === state) return state | WAITERS
      state = seen
    }
  }

  /** Sleeps until it is taken for `me` (true), or the deadline passes (false). */
  private sleep(me: Holder, deadline: number | undefined): Effect.Effect<boolean> {
    const loop: Effect.Effect<boolean> = Effect.suspend(() => {
      const seen = this.mark(me)
      if (seen === 0) return this.took(me)
      const left = deadline === undefined ? LIVENESS_SLICE_MS : deadline - performance.now()
      if (left <= 0) return FOUND_HELD
      return Effect.flatMap(futexWait(this.shm, this.words, STATE, seen, Math.min(LIVENESS_SLICE_MS, left)), (result) =>
        result === "timed-out" && this.takeFromDead(seen, me) ? this.took(me) : loop)
    })
    return Effect.onInterrupt(loop, () =>
      Effect.sync(() => {
        // The wake-up of a release may have gone to this interrupted sleep: pass it on.
        if (Atomics.load(this.words, STATE) === 0) this.shm.wake(this.words, STATE, 1)
      }))
  }

  /** Takes the lock from a holder that has died, if `seen` is still its word (one taker wins). */
  private takeFromDead(seen: number, me: Holder): boolean {
    if ((seen & THREAD) === me.thread || threadRuns(seen & THREAD)) return false
    return Atomics.compareExchange(this.words, STATE, seen, me.thread | WAITERS) === seen
  }

  /** Python's `release()`: an RLock only by its holder, one level at a time; a Lock by anyone, once. */
  release(caller: string): Exit.Exit<void, ValueError | NotOwnerError> {
    const refused = this.releaseRefused(caller)
    return refused === undefined ? Exit.void : Exit.fail(refused)
  }

  /** `release`, giving why it was refused (undefined when released). */
  releaseRefused(caller: string): ValueError | NotOwnerError | undefined {
    const words = this.words
    if (this.recursive) {
      // Plain reads: what the caller's own thread wrote, when it holds it (an atomic load costs as much as the release).
      const me = holderOf(caller)
      const state = words[STATE]
      if (state === 0 || (state & THREAD) !== me.thread || words[OWNER] !== me.owner) return notOwnerOfRecursive()
      if (words[DEPTH] > 1) {
        words[DEPTH]--
        return undefined
      }
    }
    return this.unlock() ? undefined : releasedTooOften()
  }

  /** Frees it, waking a sleeper if any; false when it was free. */
  private unlock(): boolean {
    const words = this.words
    words[OWNER] = 0
    words[DEPTH] = 0
    // One atomic swap: it was free (a release too many), held, or held with sleepers to wake.
    const state = Atomics.exchange(words, STATE, 0)
    if (state === 0) return false
    if ((state & WAITERS) !== 0) this.shm.wake(words, STATE, 1)
    return true
  }

  /** Whether `caller` holds it (Python's `_is_mine`). */
  isMine(caller: string): boolean {
    const me = holderOf(caller)
    const state = Atomics.load(this.words, STATE)
    return state !== 0 && (state & THREAD) === me.thread && Atomics.load(this.words, OWNER) === me.owner
  }

  /** 1 when free, 0 when held. */
  getValue(): number {
    return Atomics.load(this.words, STATE) === 0 ? 1 : 0
  }

  /** Releases every level (for a Condition's wait, Python's `_release_save`); gives the depth. */
  releaseAll(): number {
    const depth = this.recursive ? Atomics.load(this.words, DEPTH) : 1
    this.unlock()
    return depth
  }

  /** Takes an RLock back at the depth `releaseAll` gave (Python's `_acquire_restore`). */
  restoreDepth(owner: string, depth: number): void {
    if (this.recursive && this.isMine(owner)) Atomics.store(this.words, DEPTH, depth)
  }
}

const heldHere = () =>
  new SyncUnsupportedError({
    message: "acquireSync: this thread holds the lock (another task of it, or this code), and waiting for it " +
      "blocks the thread that would release it, for good. Release it first, give a timeout, or use acquire(), which waits without blocking"
  })
