/**
 * The addon's wait and wake over Atomics, for words in thread memory (src/internal/native/atomicsWait.ts):
 * answers as the addon's, called back later even when answered at once, and a cancelled asynchronous
 * wait (which Atomics cannot withdraw) passes on a wake-up it takes. No thread needed: the waits are
 * this thread's own, asynchronous.
 */
import { describe, expect, it } from "vitest"
import type * as AtomicsWaitModule from "../../../src/internal/native/atomicsWait.js"
import type { WaitResult } from "../../../src/internal/native/native.js"

const dist = (file: string) => new URL(`../../../dist/${file}`, import.meta.url).href
const { atomicsWaker }: typeof AtomicsWaitModule = await import(dist("internal/native/atomicsWait.js"))

const words = () => new Int32Array(new SharedArrayBuffer(16))

/** One asynchronous wait on word 0: its answer once called back, and how to cancel it. */
const waiting = (view: Int32Array, expected: number, millis: number) => {
  let answer: WaitResult | "cancelled" | undefined
  let resolve!: (result: WaitResult | "cancelled") => void
  const settled = new Promise<WaitResult | "cancelled">((settle) => (resolve = settle))
  const ticket = atomicsWaker.waitAsync(view, 0, expected, millis, (result) => {
    answer = result
    resolve(result)
  })
  return { settled, answered: () => answer, cancel: () => atomicsWaker.cancelWait(ticket) }
}

describe("Atomics as the addon's wait and wake", () => {
  it("answers not-equal, timed-out and ok as the addon does, and never calls back before waitAsync returns", async () => {
    const view = words()
    view[0] = 1
    const changed = waiting(view, 0, -1)
    expect(changed.answered()).toBeUndefined()
    expect(await changed.settled).toBe("not-equal")
    expect(await waiting(view, 1, 10).settled).toBe("timed-out")
    const woken = waiting(view, 1, -1)
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(atomicsWaker.wake(view, 0, 1)).toBe(1)
    expect(await woken.settled).toBe("ok")
    expect(atomicsWaker.wait(view, 0, 0, 0)).toBe("not-equal")
    expect(atomicsWaker.wait(view, 0, 1, 1)).toBe("timed-out")
  })

  it("a cancelled wait answers cancelled, and a wake-up it takes goes to the next waiter of the word", async () => {
    const view = words()
    const cancelled = waiting(view, 0, 5_000)
    const next = waiting(view, 0, 5_000)
    await new Promise((resolve) => setTimeout(resolve, 10))
    cancelled.cancel()
    expect(await cancelled.settled).toBe("cancelled")
    // Atomics wakes its waiters in order: this one wake reaches the cancelled wait first, which passes it on.
    atomicsWaker.wake(view, 0, 1)
    // Lost, it would leave this one asleep until its 5 s run out: "timed-out".
    expect(await next.settled).toBe("ok")
  })
})
