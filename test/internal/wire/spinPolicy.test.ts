import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { SpinPolicy, SPINNING } from "../../../src/internal/wire/spinPolicy.js"

/** Runs `outcomes` through a policy: each wait that spins takes the next outcome; gives how many waits spun. */
const spinsOver = (policy: SpinPolicy, waits: number, outcome: (spin: number) => boolean) => {
  let spins = 0
  for (let i = 0; i < waits; i++) {
    if (policy.shouldSpin()) policy.ended(outcome(spins++))
  }
  return spins
}

describe.runIf(SPINNING)("SpinPolicy", () => {
  it("spins on every wait while spins are answered", () => {
    expect(spinsOver(new SpinPolicy(), 1000, () => true)).toBe(1000)
  })

  it("while spins go unanswered, most waits sleep at once (up to 15 in a row), and it keeps probing", () => {
    const spins = spinsOver(new SpinPolicy(), 10_000, () => false)
    expect(spins).toBeLessThan(10_000 / 8)
    expect(spins).toBeGreaterThanOrEqual(10_000 / 16)
  })

  it("one answered spin ends the sleeping: the next wait spins", () => {
    const policy = new SpinPolicy()
    spinsOver(policy, 10_000, () => false)
    spinsOver(policy, 16, () => true) // sleeps out the current run, then one spin that is answered
    expect(spinsOver(policy, 1000, () => true)).toBe(1000)
  })

  it.prop(
    "a miss now and then costs only the waits right after it: with one spin in `period` unanswered, most waits still spin",
    [fc.integer({ min: 2, max: 6 })],
    ([period]) => {
      const spins = spinsOver(new SpinPolicy(), 10_000, (spin) => spin % period !== 0) // every period-th spin misses
      // Each miss puts one wait to sleep: period spins for period + 1 waits.
      expect(spins).toBeGreaterThanOrEqual(Math.floor(10_000 * period / (period + 1)) - 1)
    }
  )
})
