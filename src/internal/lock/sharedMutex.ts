/**
 * Lock and RLock in shared memory: the three-state futex mutex of Drepper's
 * "Futexes are tricky" (mutex #2), whose lock word also names its holder.
 *
 * The lock word is 0 when free, else the holder's pid, with WAITERS set once
 * someone may sleep on it. Taking a free lock is one compare-and-swap and
 * releasing an uncontended one another: no syscall, no Promise, no fiber.
 * A taker that finds it held spins briefly (only when the holder is another
 * process: one of this process cannot run meanwhile), then marks it WAITERS
 * and sleeps on the word; a release that finds WAITERS set wakes one sleeper.
 *
 * A holder that dies holding it: sleepers wake every LIVENESS_SLICE to look
 * at the holder's pid, and the first to find it dead takes the lock over
 * with one compare-and-swap of the word it saw — as the served lock's owner
 * releases what a dead client held and hands it to its next waiter. The
 * owner word and depth beside it are written only by the holder (or for it,
 * by a Condition's owner) and read by others with Atomics.
 */
import { Duration, Effect, Exit } from "effect"
import type { NotOwnerError, ValueError } from "../../Errors.js"
import { isAlive } from "../thisProcess/liveness.js"
import { ACQUIRED, FOUND_HELD, notOwnerOfRecursive, releasedTooOften } from "./semLock.js"
import { futexWait } from "../native/futexWait.js"
import { type Holder, holderOf } from "./holder.js"
import type { Native } from "../native/native.js"

/** The words of a lock. */
const STATE = 0
const OWNER = 1
const DEPTH = 2
export const MUTEX_WORDS = 3

const WAITERS = 0x40000000
const PID = 0x3fffffff

/** Loads of the lock word before sleeping on it, while its holder (another process) may release it any moment. */
const SPIN = 100

/** The longest a taker blocks its thread waiting for another process's release before it sleeps asynchronously. */
const NAP_MS = 1

/** How often a sleeper looks whether the holder still lives (and makes up for a wake-up lost to an interruption). */
export const LIVENESS_SLICE_MS = 100

export class SharedMutex {
  constructor(private readonly shm: Native, private readonly words: Int32Array, readonly recursive: boolean) {}

  /** Python's `acquire(block, timeout)` for `caller`: an Exit when it answers at once. */
  acquire(caller: string, block: boolean, timeout: Duration.Duration | undefined): Effect.Effect<boolean> {
    const words = this.words
    const me = holderOf(caller)
    if (this.recursive) {
      const state = words[STATE]
      if (state !== 0 && (state & PID) === me.pid && words[OWNER] === me.owner) {
        words[DEPTH]++
        return ACQUIRED
      }
    }
    if (Atomics.compareExchange(words, STATE, 0, me.pid) === 0 || this.spin(me)) return this.took(me)
    if (!block || (timeout !== undefined && Duration.lessThanOrEqualTo(timeout, Duration.zero))) return FOUND_HELD
    const deadline = timeout === undefined || !Duration.isFinite(timeout) ? undefined : performance.now() + Duration.toMillis(timeout)
    return this.nap(me, deadline) ? this.took(me) : this.sleep(me, deadline)
  }

  /**
   * Sleeps on the lock word in the kernel, blocking this thread, for at most
   * NAP_MS: a lock another process holds for a short critical section comes
   * back at a futex wake-up's cost (tens of µs), where an asynchronous sleep
   * also waits for the waiter thread and this event loop to turn. Never when
   * the holder is this process: it could not release it meanwhile.
   */
  private nap(me: Holder, deadline: number | undefined): boolean {
    const seen = this.mark(me)
    if (seen === 0) return true
    if ((seen & PID) === process.pid) return false
    const left = deadline === undefined ? NAP_MS : Math.min(NAP_MS, deadline - performance.now())
    if (left > 0) this.shm.wait(this.words, STATE, seen, left)
    return this.mark(me) === 0
  }

  private took(me: Holder): Exit.Exit<boolean> {
    this.words[OWNER] = me.owner
    this.words[DEPTH] = 1
    return ACQUIRED
  }

  private spin(me: Holder): boolean {
    const words = this.words
    for (let i = 0; i < SPIN; i++) {
      const state = Atomics.load(words, STATE)
      if (state === 0) {
        if (Atomics.compareExchange(words, STATE, 0, me.pid) === 0) return true
      } else if ((state & PID) === process.pid) {
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
        state = Atomics.compareExchange(words, STATE, 0, me.pid | WAITERS)
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
    const pid = seen & PID
    if (pid === process.pid || pid === me.pid || isAlive(pid)) return false
    return Atomics.compareExchange(this.words, STATE, seen, me.pid | WAITERS) === seen
  }

  /** Python's `release()`: an RLock only by its holder, one level at a time; a Lock by anyone, once. */
  release(caller: string): Exit.Exit<void, ValueError | NotOwnerError> {
    const words = this.words
    if (this.recursive) {
      if (!this.isMine(caller)) return Exit.fail(notOwnerOfRecursive())
      if (words[DEPTH] > 1) {
        words[DEPTH]--
        return Exit.void
      }
    }
    return this.unlock() ? Exit.void : Exit.fail(releasedTooOften())
  }

  /** Frees it, waking a sleeper if any; false when it was free. */
  private unlock(): boolean {
    const words = this.words
    words[OWNER] = 0
    words[DEPTH] = 0
    let state = Atomics.compareExchange(words, STATE, process.pid, 0)
    if (state === process.pid) return true
    for (;;) {
      if (state === 0) return false
      const seen = Atomics.compareExchange(words, STATE, state, 0)
      if (seen === state) break
      state = seen
    }
    if ((state & WAITERS) !== 0) this.shm.wake(words, STATE, 1)
    return true
  }

  /** Whether `caller` holds it (Python's `_is_mine`). */
  isMine(caller: string): boolean {
    const me = holderOf(caller)
    const state = Atomics.load(this.words, STATE)
    return state !== 0 && (state & PID) === me.pid && Atomics.load(this.words, OWNER) === me.owner
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
