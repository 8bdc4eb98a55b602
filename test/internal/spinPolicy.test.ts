import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { SpinPolicy, SPINNING } from "../../src/internal/spinPolicy.js"

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

  it("while spins go unanswered (the peer cannot run: the cores are busy), most waits sleep at once, and it keeps probing", () => {
    const spins = spinsOver(new SpinPolicy(), 10_000, () => false)
    expect(spins).toBeLessThan(100)
    expect(spins).toBeGreaterThan(10)
  })

  it("spinning resumes in full once spins are answered again", () => {
    const policy = new SpinPolicy()
    spinsOver(policy, 10_000, () => false)
    spinsOver(policy, 1000, () => true)
    expect(spinsOver(policy, 1000, () => true)).toBe(1000)
  })

  it.prop(
    "a miss costs about two hits: with one spin in two unanswered spinning becomes rare; with one in three or fewer, at least half the waits spin",
    [fc.integer({ min: 2, max: 6 })],
    ([period]) => {
      const spins = spinsOver(new SpinPolicy(), 10_000, (spin) => spin % period !== 0) // every period-th spin misses
      if (period === 2) expect(spins).toBeLessThan(2000)
      else expect(spins).toBeGreaterThanOrEqual(4900)
    }
  )
})
