/** The examples/ programs that start processes, run as their users run them (see test/support/examples.ts). */
import { describe, expect, it } from "vitest"
import { exampleTimeout, lines, runExample } from "../support/examples.js"

describe("examples: programs that start processes", { timeout: exampleTimeout }, () => {
  for (const file of ["demo", "demo-effect"]) {
    it(`${file}: one process, then one per CPU, same count, pids shown`, async () => {
      const { stdout } = await runExample(file, { DEMO_LIMIT: "300000" })
      const counts = [...stdout.matchAll(/: (\d+) primes in/g)].map((m) => Number(m[1]))
      expect(counts).toEqual([25997, 25997])
      expect(stdout).toMatch(/1 process +\(pid \d+\)/)
      expect(stdout).toMatch(/processes \(pids \d+(, \d+)*\)/)
      expect(stdout).toMatch(/speed-up: \d+\.\d+×/)
    })
  }

  for (const file of ["process-basics", "process-basics-effect"]) {
    it(`${file}: Python's hello bob, from a named child`, async () => {
      const { stdout } = await runExample(file)
      expect(stdout).toMatch(/^MainProcess \(pid (\d+)\), parent: null\n/)
      const parentPid = stdout.match(/^MainProcess \(pid (\d+)\)/)![1]
      expect(stdout).toContain(`hello bob from Process-1 (pid`)
      expect(stdout).toContain(`parent ${parentPid})`)
      expect(lines(stdout).at(-1)).toBe("exit code 0")
    })
  }

  for (const file of ["module-targets", "module-targets-effect"]) {
    it(`${file}: Python's first Process and Pool examples, their targets exports of a TypeScript module`, async () => {
      const { stdout } = await runExample(file)
      const all = lines(stdout)
      expect(all.slice(0, 2)).toEqual(["hello bob", "[ 1, 4, 9 ]"])
      const [, worker, parent] = all[2].match(/^ran in .+, pid (\d+), not in this process \(pid (\d+)\)$/) ?? []
      expect(Number(worker)).toBeGreaterThan(0)
      expect(worker).not.toBe(parent)
      expect(all).toHaveLength(3)
    })
  }

})
