import { spawn } from "node:child_process"
import { once } from "node:events"
import { availableParallelism } from "node:os"
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { preempted, SpinPolicy, spinning } from "../../../src/internal/wire/spinPolicy.js"

/** Runs `outcomes` through a policy: each wait that spins takes the next outcome; gives how many waits spun. */
const spinsOver = (policy: SpinPolicy, waits: number, outcome: (spin: number) => boolean) => {
  let spins = 0
  for (let i = 0; i < waits; i++) {
    if (policy.shouldSpin()) policy.ended(outcome(spins++))
  }
  return spins
}

/** A policy on a machine whose cores are free (or busy) as `busy` says. */
const policyWith = (busy: { now: boolean } = { now: false }) => new SpinPolicy(() => busy.now)

describe.runIf(spinning())("SpinPolicy", () => {
  it("spins on every wait while spins are answered and the cores are free", () => {
    expect(spinsOver(policyWith(), 1000, () => true)).toBe(1000)
  })

  it("while spins go unanswered, most waits sleep at once (up to 63 in a row), and it keeps probing", () => {
    const spins = spinsOver(policyWith(), 10_000, () => false)
    expect(spins).toBeLessThan(10_000 / 32)
    expect(spins).toBeGreaterThanOrEqual(10_000 / 64)
  })

  it("one answered spin ends the sleeping: the next wait spins", () => {
    const policy = policyWith()
    spinsOver(policy, 10_000, () => false)
    spinsOver(policy, 64, () => true) // sleeps out the current run, then one spin that is answered
    expect(spinsOver(policy, 1000, () => true)).toBe(1000)
  })

  it("while the cores are all busy, waits sleep even though every spin would be answered; spins resume once they are free", () => {
    const busy = { now: true }
    const policy = policyWith(busy)
    expect(spinsOver(policy, 10_000, () => true)).toBe(0)
    busy.now = false
    spinsOver(policy, 64, () => true) // sleeps out the current run, then spins
    expect(spinsOver(policy, 1000, () => true)).toBe(1000)
  })

  it.prop(
    "a miss now and then costs only the waits right after it: with one spin in `period` unanswered, most waits still spin",
    [fc.integer({ min: 2, max: 6 })],
    ([period]) => {
      const spins = spinsOver(policyWith(), 10_000, (spin) => spin % period !== 0) // every period-th spin misses
      // Each miss puts one wait to sleep: period spins for period + 1 waits.
      expect(spins).toBeGreaterThanOrEqual(Math.floor(10_000 * period / (period + 1)) - 1)
    }
  )

  it("the default signal reads this process's count of preemptions at most once a millisecond, and sees them while other processes take every core", async () => {
    const now = performance.now()
    const first = preempted(now)
    expect(preempted(now + 0.5)).toBe(first) // not read again within the millisecond: the same answer
    // As many busy processes as cores, and this one computing too: the kernel must preempt it.
    const hogs = Array.from({ length: availableParallelism() }, () =>
      spawn(process.execPath, ["-e", "for (;;);"], { stdio: "ignore" }))
    try {
      let seen = false
      const until = performance.now() + 20_000
      while (!seen && performance.now() < until) seen = preempted(performance.now())
      expect(seen).toBe(true)
    } finally {
      await Promise.all(hogs.map((hog) => {
        const exited = once(hog, "exit")
        hog.kill("SIGKILL")
        return exited
      }))
    }
  })
})
