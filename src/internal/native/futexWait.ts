/**
 * Sleeping on a shared-memory word until another process wakes it: the
 * addon's futex wait, served by its dedicated waiter thread (never the libuv
 * threadpool), as an Effect. Interrupting it cancels the wait. The process is
 * kept alive while it waits, as a Python thread blocked in `acquire()` keeps
 * its process alive.
 */
import { Effect } from "effect"
import { keepingAlive } from "../keepAlive.js"
import type { WaitResult, Waker } from "./native.js"

/**
 * Waits while `words[index]` is `expected`, at most `millis`: "ok" when woken,
 * "not-equal" when it had changed already, "timed-out". Spurious wake-ups
 * happen: callers look at the word again whatever the answer.
 */
export const futexWait = (shm: Waker, words: Int32Array, index: number, expected: number, millis: number): Effect.Effect<WaitResult> =>
  keepingAlive(Effect.async<WaitResult>((resume) => {
    let done = false
    const ticket = shm.waitAsync(words, index, expected, millis, (result) => {
      done = true
      if (result !== "cancelled") resume(Effect.succeed(result))
    })
    return Effect.sync(() => {
      if (!done) shm.cancelWait(ticket)
    })
  }))

/**
 * Whether a wait may first block this thread briefly (a nap: lock/sharedMutex.ts,
 * sync/nap.ts). Not once this process serves a shared-memory object to a process
 * that cannot map it (served/throughOwner.ts): it then waits for that process
 * too, and its event loop is that process's as well.
 */
let napping = true

export const napsAllowed = (): boolean => napping

export const stopNapping = (): void => {
  napping = false
}
