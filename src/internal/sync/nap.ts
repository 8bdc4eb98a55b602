/**
 * A short blocking sleep before an asynchronous one, for the waits of Event,
 * Condition and Barrier in shared memory (as a shared-memory lock's taker
 * naps, lock/sharedMutex.ts): a wake-up from another process that comes soon
 * (a hand-over) ends it at a futex wake-up's cost, where an asynchronous
 * sleep also waits for the addon's waiter thread and this event loop to turn.
 */
import { napsAllowed } from "../native/futexWait.js"
import type { Waker } from "../native/native.js"

/** The longest a nap blocks this thread. */
const NAP_MS = 1

/**
 * After a nap nothing ended (the waker may be this very process, which cannot
 * run while it blocks), the next NAPS_SKIPPED waits of this process go
 * straight to their asynchronous sleep.
 */
const NAPS_SKIPPED = 64
let napsToSkip = 0

/** Blocks while `words[index]` is `expected`, at most NAP_MS and never past `deadline`; whether it changed. */
export const nap = (shm: Waker, words: Int32Array, index: number, expected: number, deadline: number | undefined): boolean => {
  if (!napsAllowed()) return false
  if (napsToSkip > 0) {
    napsToSkip--
    return false
  }
  const left = deadline === undefined ? NAP_MS : Math.min(NAP_MS, deadline - performance.now())
  if (left <= 0) return false
  shm.wait(words, index, expected, left)
  if (Atomics.load(words, index) !== expected) return true
  napsToSkip = NAPS_SKIPPED
  return false
}
