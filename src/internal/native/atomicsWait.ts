/**
 * The addon's wait and wake, for words in thread memory (a SharedArrayBuffer,
 * threadMemory.ts): `Atomics.wait`, `Atomics.waitAsync` and `Atomics.notify`
 * work between the threads of one process without native code, so the
 * primitives in shared memory run unchanged over them where the addon is
 * absent.
 *
 * One difference is made up for here: a futex wait the addon cancels leaves
 * the word's queue, but an `Atomics.waitAsync` cannot be withdrawn, so a
 * cancelled one still counts among the word's waiters and may take a
 * `notify(…, 1)` meant for a live one. A cancelled wait that is woken passes
 * that wake-up on, so none is lost.
 */
import type { WaitResult, Waker } from "./native.js"

/** `Atomics.waitAsync` (Node 16+; declared by the ES2024 lib, which this project does not target). */
const waitAsync = (view: Int32Array, index: number, expected: number, timeout: number) =>
  (Atomics as unknown as {
    waitAsync(view: Int32Array, index: number, expected: number, timeout: number):
      | { async: false; value: WaitResult }
      | { async: true; value: Promise<WaitResult> }
  }).waitAsync(view, index, expected, timeout)

const millis = (timeoutMs: number): number => (timeoutMs < 0 || !Number.isFinite(timeoutMs) ? Infinity : timeoutMs)

/** Cancels of pending waits, by ticket. */
const pending = new Map<number, () => void>()
let lastTicket = 0

export const atomicsWaker: Waker = {
  wait: (view, index, expected, timeoutMs) => Atomics.wait(view, index, expected, millis(timeoutMs)),
  wake: (view, index, count) => Atomics.notify(view, index, count),
  waitAsync: (view, index, expected, timeoutMs, callback) => {
    const ticket = ++lastTicket
    let settled = false
    const settle = (result: WaitResult | "cancelled") => {
      if (settled) return
      settled = true
      pending.delete(ticket)
      callback(result)
    }
    const wait = waitAsync(view, index, expected, millis(timeoutMs))
    if (wait.async) {
      pending.set(ticket, () => settle("cancelled"))
      void wait.value.then((result) => {
        // A wake-up that reached a cancelled wait goes to the next waiter of the word.
        if (settled && result === "ok") Atomics.notify(view, index, 1)
        settle(result)
      })
    } else {
      // Answered at once ("not-equal", or "timed-out" for a zero timeout): still called back later, as the addon does.
      const result = wait.value
      pending.set(ticket, () => settle("cancelled"))
      queueMicrotask(() => settle(result))
    }
    return ticket
  },
  cancelWait: (ticket) => pending.get(ticket)?.()
}
