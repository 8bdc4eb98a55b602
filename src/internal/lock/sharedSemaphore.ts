/**
 * Semaphore and BoundedSemaphore in shared memory: a counter of permits and a
 * count of sleepers beside it. Taking a permit is a compare-and-swap of the
 * counter; a release adds one back and wakes a sleeper only when the count
 * says someone sleeps (a waiter counts itself before it sleeps, and the
 * futex sleeps only while the counter is still 0, so no wake-up is lost).
 * Semaphores keep no holders, as the served ones: a permit taken by a process
 * that dies stays taken.
 */
import { Duration, Effect, Exit } from "effect"
import type { ValueError } from "../../Errors.js"
import { ACQUIRED, FOUND_HELD, releasedTooOften } from "./semLock.js"
import { futexWait } from "../native/futexWait.js"
import { LIVENESS_SLICE_MS, SYNC_SPIN } from "./sharedMutex.js"
import type { Waker } from "../native/native.js"

const VALUE = 0
const SLEEPERS = 1
const MAX = 2
export const SEMAPHORE_WORDS = 3

/** The most permits a shared-memory semaphore holds (Python's SEM_VALUE_MAX on Linux). */
export const SEM_VALUE_MAX = 0x7fffffff

export class SharedSemaphore {
  constructor(private readonly shm: Waker, private readonly words: Int32Array) {}

  /** Sets a new semaphore's permits and the most a release may take it to. */
  static initialize(words: Int32Array, value: number, maxValue: number): void {
    Atomics.store(words, MAX, maxValue)
    Atomics.store(words, VALUE, value)
  }

  private tryTake(): boolean {
    const words = this.words
    let value = Atomics.load(words, VALUE)
    while (value > 0) {
      const seen = Atomics.compareExchange(words, VALUE, value, value - 1)
      if (seen === value) return true
      value = seen
    }
    return false
  }

  acquire(block: boolean, timeout: Duration.Duration | undefined): Effect.Effect<boolean> {
    if (this.tryTake()) return ACQUIRED
    if (!block || (timeout !== undefined && Duration.lessThanOrEqualTo(timeout, Duration.zero))) return FOUND_HELD
    const deadline = timeout === undefined || !Duration.isFinite(timeout) ? undefined : performance.now() + Duration.toMillis(timeout)
    const words = this.words
    const loop: Effect.Effect<boolean> = Effect.suspend(() => {
      if (this.tryTake()) return ACQUIRED
      const left = deadline === undefined ? LIVENESS_SLICE_MS : deadline - performance.now()
      if (left <= 0) return FOUND_HELD
      Atomics.add(words, SLEEPERS, 1)
      return Effect.zipRight(
        Effect.ensuring(futexWait(this.shm, words, VALUE, 0, Math.min(LIVENESS_SLICE_MS, left)), Effect.sync(() => Atomics.sub(words, SLEEPERS, 1))),
        loop
      )
    })
    return Effect.onInterrupt(loop, () =>
      Effect.sync(() => {
        // The wake-up of a release may have gone to this interrupted sleep: pass it on.
        if (Atomics.load(words, VALUE) > 0 && Atomics.load(words, SLEEPERS) > 0) this.shm.wake(words, VALUE, 1)
      }))
  }

  /**
   * Python's blocking `acquire(block, timeout)`, in this thread: spins a
   * little, then sleeps in the kernel; false when `block` is false or
   * `timeoutMs` (undefined: none) ran out first.
   */
  acquireSync(block: boolean, timeoutMs: number | undefined): boolean {
    if (this.tryTake()) return true
    for (let i = 0; i < SYNC_SPIN; i++) {
      if (Atomics.load(this.words, VALUE) > 0 && this.tryTake()) return true
    }
    if (!block || (timeoutMs !== undefined && timeoutMs <= 0)) return false
    const deadline = timeoutMs === undefined || !Number.isFinite(timeoutMs) ? undefined : performance.now() + timeoutMs
    const words = this.words
    for (;;) {
      if (this.tryTake()) return true
      const left = deadline === undefined ? LIVENESS_SLICE_MS : deadline - performance.now()
      if (left <= 0) return false
      Atomics.add(words, SLEEPERS, 1)
      try {
        this.shm.wait(words, VALUE, 0, Math.min(LIVENESS_SLICE_MS, left))
      } finally {
        Atomics.sub(words, SLEEPERS, 1)
      }
    }
  }

  /** Python's `release()`: fails past the maximum (a BoundedSemaphore's initial value). */
  release(): Exit.Exit<void, ValueError> {
    const refused = this.releaseRefused()
    return refused === undefined ? Exit.void : Exit.fail(refused)
  }

  /** `release`, giving why it was refused (undefined when released). */
  releaseRefused(): ValueError | undefined {
    const words = this.words
    const max = Atomics.load(words, MAX)
    let value = Atomics.load(words, VALUE)
    for (;;) {
      if (value >= max) return releasedTooOften()
      const seen = Atomics.compareExchange(words, VALUE, value, value + 1)
      if (seen === value) break
      value = seen
    }
    if (Atomics.load(words, SLEEPERS) > 0) this.shm.wake(words, VALUE, 1)
    return undefined
  }

  getValue(): number {
    return Atomics.load(this.words, VALUE)
  }
}
