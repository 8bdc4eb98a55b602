/** The examples/ Lock, Condition, Value and Barrier programs, run as their users run them (see test/support/examples.ts). */
import { describe, expect, it } from "vitest"
import { exampleTimeout, lines, runExample } from "../support/examples.js"

describe("examples: Lock, Condition, Value and Barrier programs", { timeout: exampleTimeout }, () => {
  for (const file of ["condition", "condition-effect"]) {
    it(`${file}: acquire answers true; this process waits on the Condition until the child notifies it`, async () => {
      const { stdout } = await runExample(file)
      expect(stdout).toBe("true\nnotified: the flag is 1\nchild exit code 0\n")
    })
  }

  for (const file of ["lock", "lock-effect"]) {
    it(`${file}: Python's Lock example, ten processes print whole lines in turn`, async () => {
      const { stdout } = await runExample(file)
      expect(lines(stdout).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `hello world ${i}`).sort())
    })
  }

  for (const file of ["value-array", "value-array-effect"]) {
    it(`${file}: Python's Value and Array example, the child's writes seen by the parent`, async () => {
      const { stdout } = await runExample(file)
      expect(stdout.replace(/\s+/g, " ").trim()).toBe("3.1415927 [ 0, -1, -2, -3, -4, -5, -6, -7, -8, -9 ]")
    })
  }

  it("barrier: three processes meet after each phase, the action once per phase", async () => {
    const { stdout } = await runExample("barrier")
    for (let phase = 0; phase < 3; phase++) expect(stdout).toContain(`all 3 workers finished phase ${phase}`)
    expect(stdout.match(/first to arrive/g)).toHaveLength(3)
    expect(stdout).toContain("exit codes 0 0 0")
  })

  it("barrier-effect: the same through the Effect face, distinct indices per phase", async () => {
    const { stdout } = await runExample("barrier-effect")
    for (let phase = 0; phase < 3; phase++) expect(stdout).toContain(`all 3 workers finished phase ${phase}`)
    const indices = JSON.parse(stdout.match(/indices per worker (.*)/)![1]) as Array<Array<number>>
    for (let phase = 0; phase < 3; phase++) expect(indices.map((w) => w[phase]).sort()).toEqual([0, 1, 2])
  })

})
