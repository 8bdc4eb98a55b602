/** The examples/ Lock, Condition, Value and Barrier programs, run as their users run them (see test/support/examples.ts). */
import { describe, expect, it } from "vitest"
import { exampleTimeout, lines, runExample } from "../support/examples.js"

/**
 * Each program as written (child processes), then once more with the "thread" start method set before it
 * runs (child threads, the same output): a compat program with the addon (its primitives in shared
 * memory), an Effect one without it (EFFECT_MULTIPROCESSING_NATIVE=0: in the threads' own memory, see
 * docs/threads.md).
 */
const runs = (compat: string, effect: string) =>
  [
    { file: compat, name: compat },
    { file: effect, name: effect },
    { file: compat, name: `${compat} (start method "thread")`, startMethod: "thread" as const },
    { file: effect, name: `${effect} (start method "thread", no addon)`, startMethod: "thread" as const, env: { EFFECT_MULTIPROCESSING_NATIVE: "0" } }
  ]

describe("examples: Lock, Condition, Value and Barrier programs", { timeout: exampleTimeout }, () => {
  for (const { env, file, name, startMethod } of runs("condition", "condition-effect")) {
    it(`${name}: acquire answers true; this process waits on the Condition until the child notifies it`, async () => {
      const { stdout } = await runExample(file, env, startMethod)
      expect(stdout).toBe("true\nnotified: the flag is 1\nchild exit code 0\n")
    })
  }

  for (const { env, file, name, startMethod } of runs("lock", "lock-effect")) {
    it(`${name}: Python's Lock example, ten children print whole lines in turn`, async () => {
      const { stdout } = await runExample(file, env, startMethod)
      expect(lines(stdout).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `hello world ${i}`).sort())
    })
  }

  for (const { env, file, name, startMethod } of runs("value-array", "value-array-effect")) {
    it(`${name}: Python's Value and Array example, the child's writes seen by the parent`, async () => {
      const { stdout } = await runExample(file, env, startMethod)
      expect(stdout.replace(/\s+/g, " ").trim()).toBe("3.1415927 [ 0, -1, -2, -3, -4, -5, -6, -7, -8, -9 ]")
    })
  }

  for (const { env, name, startMethod } of runs("barrier", "barrier-effect").filter((run) => run.file === "barrier")) {
    it(`${name}: three children meet after each phase, the action once per phase`, async () => {
      const { stdout } = await runExample("barrier", env, startMethod)
      for (let phase = 0; phase < 3; phase++) expect(stdout).toContain(`all 3 workers finished phase ${phase}`)
      expect(stdout.match(/first to arrive/g)).toHaveLength(3)
      expect(stdout).toContain("exit codes 0 0 0")
    })
  }

  for (const { env, name, startMethod } of runs("barrier", "barrier-effect").filter((run) => run.file === "barrier-effect")) {
    it(`${name}: the same through the Effect face, distinct indices per phase`, async () => {
      const { stdout } = await runExample("barrier-effect", env, startMethod)
      for (let phase = 0; phase < 3; phase++) expect(stdout).toContain(`all 3 workers finished phase ${phase}`)
      const indices = JSON.parse(stdout.match(/indices per worker (.*)/)![1]) as Array<Array<number>>
      for (let phase = 0; phase < 3; phase++) expect(indices.map((w) => w[phase]).sort()).toEqual([0, 1, 2])
    })
  }
})
