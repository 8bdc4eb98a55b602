import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"

const root = fileURLToPath(new URL("..", import.meta.url))
const run = (file: string, env: Record<string, string> = {}) =>
  promisify(execFile)(process.execPath, [file], { cwd: root, env: { ...process.env, ...env } })

describe("examples", () => {
  it("demo: one process, then one per CPU, same count, pids shown", async () => {
    const { stdout } = await run("examples/demo.js", { DEMO_LIMIT: "300000" })
    const counts = [...stdout.matchAll(/: (\d+) primes in/g)].map((m) => Number(m[1]))
    expect(counts).toEqual([25997, 25997])
    expect(stdout).toMatch(/1 process +\(pid \d+\)/)
    expect(stdout).toMatch(/processes \(pids \d+(, \d+)*\)/)
    expect(stdout).toMatch(/speed-up: \d+\.\d+×/)
  })

  it("process-basics: Python's hello bob, from a named child", async () => {
    const { stdout } = await run("examples/process-basics.js")
    expect(stdout).toMatch(/^MainProcess \(pid (\d+)\), parent: null\n/)
    const parentPid = stdout.match(/^MainProcess \(pid (\d+)\)/)![1]
    expect(stdout).toContain(`hello bob from Process-1 (pid`)
    expect(stdout).toContain(`parent ${parentPid})`)
    expect(stdout).toContain("exit code 0")
  })

  it("pipe: Python's Pipe example prints what the child sent", async () => {
    const { stdout } = await run("examples/pipe.js")
    expect(stdout.trim()).toBe("[ 42, null, 'hello' ]")
  })

  it("listener-client: billiard's echo server in one process, three client processes", async () => {
    const { stdout } = await run("examples/listener-client.js")
    for (let id = 0; id < 3; id++) {
      for (let i = 0; i < 3; i++) expect(stdout).toContain(`Client ${id} got response: Echo: Message ${i} from client ${id}`)
    }
    expect(stdout).toContain("Client 3 disconnected")
    expect(stdout).toContain("server exit code 0")
  })

  for (const file of ["lock", "lock-effect"]) {
    it(`${file}: Python's Lock example, ten processes print whole lines in turn`, async () => {
      const { stdout } = await run(`examples/${file}.js`)
      const lines = stdout.trim().split("\n").sort()
      expect(lines).toEqual(Array.from({ length: 10 }, (_, i) => `hello world ${i}`).sort())
    })
  }

  for (const file of ["value-array", "value-array-effect"]) {
    it(`${file}: Python's Value and Array example, the child's writes seen by the parent`, async () => {
      const { stdout } = await run(`examples/${file}.js`)
      expect(stdout.replace(/\s+/g, " ").trim()).toBe("3.1415927 [ 0, -1, -2, -3, -4, -5, -6, -7, -8, -9 ]")
    })
  }

  it("barrier: three processes meet after each phase, the action once per phase", async () => {
    const { stdout } = await run("examples/barrier.js")
    for (let phase = 0; phase < 3; phase++) expect(stdout).toContain(`all 3 workers finished phase ${phase}`)
    expect(stdout.match(/first to arrive/g)).toHaveLength(3)
    expect(stdout).toContain("exit codes 0 0 0")
  })

  it("barrier-effect: the same through the Effect face, distinct indices per phase", async () => {
    const { stdout } = await run("examples/barrier-effect.js")
    for (let phase = 0; phase < 3; phase++) expect(stdout).toContain(`all 3 workers finished phase ${phase}`)
    const indices = JSON.parse(stdout.match(/indices per worker (.*)/)![1]) as Array<Array<number>>
    for (let phase = 0; phase < 3; phase++) expect(indices.map((w) => w[phase]).sort()).toEqual([0, 1, 2])
  })
})
