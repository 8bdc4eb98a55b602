import { describe, expect, it } from "vitest"
import {
  currentProcess,
  InvalidTargetError,
  Process,
  ProcessError,
  ProcessExitedError,
  ProcessStateError,
  RemoteError,
  SerializationError,
  Target,
  TypeError,
  UnportableFunctionError,
  ValueError
} from "effect-multiprocessing/compat"
import type * as Tasks from "../fixtures/tasks.js"
import { isRunning } from "../support/processes.js"

const tasks = Target.module<typeof Tasks>(new URL("../fixtures/tasks.ts", import.meta.url))

describe("compat Process", () => {
  it("start() then await join(), with Python's attributes", async () => {
    const p = new Process({ target: (a: number, b: number) => a + b, args: [2, 3], name: "adder" })
    expect(p.name).toBe("adder")
    expect(p.exitCode).toBeNull()
    expect(p.isAlive()).toBe(false)
    expect(p.pid).toBeUndefined()
    p.start()
    expect(typeof p.pid).toBe("number")
    expect(await p.join()).toBe(0)
    expect(p.exitCode).toBe(0)
    expect(p.isAlive()).toBe(false)
    expect(await p.result()).toBe(5)
    expect(String(p)).toContain("exitcode=0")
    p.close()
  })

  it("exit codes: throw 1, process.exit(n) n, terminate -15, kill -9; join(timeout) in seconds", async () => {
    const thrower = new Process({
      target: () => {
        throw new Error("expected failure in a test")
      }
    })
    thrower.start()
    expect(await thrower.join()).toBe(1)
    await expect(thrower.result()).rejects.toBeInstanceOf(RemoteError)

    const exiter = new Process({ target: tasks.exitWith, args: [4] })
    exiter.start()
    expect(await exiter.join()).toBe(4)
    await expect(exiter.result()).rejects.toBeInstanceOf(ProcessExitedError)

    const sleeper = new Process({ target: () => new Promise(() => {}) })
    sleeper.start()
    const started = Date.now()
    expect(await sleeper.join(0.3)).toBeNull()
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    expect(sleeper.isAlive()).toBe(true)
    sleeper.terminate()
    expect(await sleeper.join()).toBe(-15)

    const victim = new Process({ target: () => new Promise(() => {}) })
    victim.start()
    victim.kill()
    await victim.join()
    expect(victim.exitCode).toBe(-9)
  })

  it("errors are Error subclasses with Python's names; ProcessError is their base", () => {
    const p = new Process({ target: () => 1 })
    let caught: unknown
    try {
      p.terminate()
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(ProcessStateError)
    expect(caught).toBeInstanceOf(ProcessError)
    expect(caught).toBeInstanceOf(Error)

    const local = 1
    expect(() => new Process({ target: () => local }).start()).toThrow(UnportableFunctionError)
    expect(() => new Process({ target: (x: unknown) => x, args: [Symbol("no")] }).start()).toThrow(SerializationError)
    expect(() => new Process({ target: Target.moduleExport("/nonexistent/module.js", "f") }).start()).toThrow(
      InvalidTargetError
    )
    expect(new InvalidTargetError({ message: "m" })).toBeInstanceOf(ProcessError)
  })

  it("an inline target that uses currentProcess is told to import it from the compat face inside, and then runs", async () => {
    const target = () => currentProcess().name
    expect(() => new Process({ target }).start()).toThrow(
      '  - import `currentProcess` inside the function: `const { currentProcess } = await import("effect-multiprocessing/compat")`'
    )
    // As advised (from source text: vitest would rewrite a dynamic import written in this file).
    const advised = (0, eval)(`(async () => {
      const { currentProcess } = await import("effect-multiprocessing/compat")
      process.exit(currentProcess().name === "advised" ? 0 : 3)
    })`) as () => Promise<void>
    const p = new Process({ target: advised, name: "advised" })
    p.start()
    expect(await p.join()).toBe(0)
  })

  it("start twice, close while running, daemon after start: ProcessStateError", async () => {
    const p = new Process({ target: () => new Promise(() => {}) })
    p.daemon = true
    expect(p.daemon).toBe(true)
    p.start()
    expect(() => p.start()).toThrow(/twice/)
    expect(() => p.close()).toThrow(/still running/)
    expect(() => {
      p.daemon = false
    }).toThrow(ProcessStateError)
    p.kill()
    await p.join()
    p.close()
    await expect(p.join()).rejects.toThrow(/closed/)
    // Python: ValueError("process object is closed") from pid, exitcode and is_alive().
    expect(() => p.pid).toThrow(ProcessStateError)
    expect(() => p.exitCode).toThrow(/process object is closed/)
    expect(() => p.isAlive()).toThrow(/process object is closed/)
    p.close()
  })

  it("args that are not an array: TypeError at construction; join(NaN): ValueError", async () => {
    expect(() => new Process({ target: (x: number) => x, args: 42 as unknown as [number] })).toThrow(TypeError)
    expect(() => new Process({ target: (x: number) => x, args: 42 as unknown as [number] })).toThrow(/args must be an array/)
    const p = new Process({ target: () => 1 })
    p.start()
    await expect(p.join(Number.NaN)).rejects.toBeInstanceOf(ValueError)
    expect(await p.join()).toBe(0)
  })

  it("await using terminates a child still running at the end of the block", async () => {
    let pid = 0
    {
      await using p = new Process({ target: () => new Promise(() => {}) })
      p.start()
      pid = p.pid!
      expect(isRunning(pid)).toBe(true)
    }
    expect(isRunning(pid)).toBe(false)
  })

  it("a TypeScript module target's types reach the caller", async () => {
    const p = new Process({ target: tasks.greet, args: ["compat"] })
    p.start()
    const greeting: string = await p.result()
    expect(greeting).toBe("hello compat!")
  })
})
