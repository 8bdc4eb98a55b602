/** The examples/ Manager programs, run as their users run them (see test/support/examples.ts). */
import { describe, expect, it } from "vitest"
import { exampleTimeout, folded, lines, runExample } from "../support/examples.js"

describe("examples: Manager programs", { timeout: exampleTimeout }, () => {
  for (const file of ["manager", "manager-effect"]) {
    it(`${file}: Python's Server process example, the child's writes to the managed dict and list seen by the parent`, async () => {
      const { stdout } = await runExample(file)
      expect(folded(stdout)).toBe("Map(3) { 1 => '1', '2' => 2, 0.25 => null } [ 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 ]")
    })
  }

  it("manager-list: multiprocess's managed list, reversed and printed, then the proxy itself", async () => {
    const { stdout } = await runExample("manager-list")
    expect(folded(stdout)).toBe("[ 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 ] ListProxy {}")
  })

  it("manager-list-effect: multiprocess's managed list, reversed and printed", async () => {
    const { stdout } = await runExample("manager-list-effect")
    expect(folded(stdout)).toBe("[ 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 ]")
  })

  for (const file of ["remote-manager", "remote-manager-effect"]) {
    it(`${file}: a queue served over TCP on an ephemeral port; one client puts, another gets; the server is terminated`, async () => {
      const { stdout } = await runExample(file)
      const all = lines(stdout)
      const port = Number(all[0].match(/^server listening on 127\.0\.0\.1:(\d+)$/)?.[1])
      expect(port).toBeGreaterThan(0)
      expect(all.slice(1)).toEqual(["client put 'hello'", "another client got 'hello'", "server terminated, exit code -15"])
    })
  }
})
