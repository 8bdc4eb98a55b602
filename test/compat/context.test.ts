import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import {
  activeChildren,
  cpuCount,
  currentProcess,
  freezeSupport,
  getAllStartMethods,
  getContext,
  getLogger,
  getStartMethod,
  logToStderr,
  parentProcess,
  Process,
  ProcessError,
  setExecutable,
  setStartMethod,
  StartMethodError,
  ValueError
} from "effect-multiprocessing/compat"

describe("compat module-level functions", () => {
  it("start methods: spawn, forkserver and thread; fork is a clear error; a second set needs force", () => {
    expect(getAllStartMethods()).toEqual(["spawn", "forkserver", "thread"])
    expect(getStartMethod({ allowNone: true })).toBeNull()
    expect(() => setStartMethod("fork")).toThrow(StartMethodError)
    expect(() => setStartMethod("fork")).toThrow(/spawn, forkserver, thread/)
    // Asking without allowNone fixes the method, as in Python: setting it again then needs force.
    expect(getStartMethod()).toBe("spawn")
    expect(getStartMethod({ allowNone: true })).toBe("spawn")
    expect(() => setStartMethod("spawn")).toThrow(ProcessError)
    setStartMethod("spawn", { force: true })
    expect(getContext().getStartMethod()).toBe("spawn")
    expect(getContext().Process).toBe(Process)
    expect(getContext("forkserver").getStartMethod()).toBe("forkserver")
    expect(() => getContext("fork")).toThrow(StartMethodError)
    expect(() => setStartMethod("forkserver", { force: true, readyProcesses: -1 })).toThrow(ValueError)
    expect(() => setStartMethod("forkserver", { force: true, readyProcesses: 1.5 })).toThrow(/whole number/)
    expect(getStartMethod()).toBe("spawn")
  })

  it("currentProcess, parentProcess, cpuCount, freezeSupport", () => {
    const me = currentProcess()
    expect(me.name).toBe("MainProcess")
    expect(me.pid).toBe(process.pid)
    expect(me.authkey.length).toBe(32)
    expect(parentProcess()).toBeNull()
    expect(cpuCount()).toBe(os.cpus().length)
    expect(freezeSupport()).toBeUndefined()
  })

  it("activeChildren lists running children and drops those that exited", async () => {
    const p = new Process({ target: () => new Promise(() => {}) })
    p.start()
    expect(activeChildren().map((c) => c.pid)).toEqual([p.pid])
    expect(activeChildren()[0]).toBe(p)
    p.terminate()
    await p.join()
    expect(activeChildren()).toEqual([])
  })

  it("both faces share one process-wide state: children started through the Effect API are active children here", async () => {
    const { Effect, Scope, Exit } = await import("effect")
    const { NodeMultiprocessing, Process: EffectProcess } = await import("effect-multiprocessing")
    const scope = await Effect.runPromise(Scope.make())
    const child = await Effect.runPromise(
      EffectProcess.start({ target: () => new Promise(() => {}) }).pipe(
        Scope.extend(scope),
        Effect.provide(NodeMultiprocessing.layer)
      )
    )
    expect(activeChildren().map((c) => c.pid)).toEqual([child.pid])
    await Effect.runPromise(Scope.close(scope, Exit.void))
    expect(activeChildren()).toEqual([])
  })

  it("setExecutable checks the binary and children run it", async () => {
    expect(() => setExecutable("/no/such/node")).toThrow(/not found/)
    // A wrapper that marks the environment shows the child really went through it.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "emp-executable-"))
    const wrapper = path.join(dir, "node-wrapper")
    fs.writeFileSync(wrapper, `#!/bin/sh\nEMP_WRAPPED=yes exec "${process.execPath}" "$@"\n`, { mode: 0o755 })
    try {
      setExecutable(wrapper)
      const p = new Process({ target: () => process.env.EMP_WRAPPED })
      p.start()
      expect(await p.result()).toBe("yes")
    } finally {
      setExecutable(process.execPath)
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it("logToStderr turns on the library's log lines with Python's level names", () => {
    const written: Array<string> = []
    const write = process.stderr.write
    process.stderr.write = ((chunk: string) => {
      written.push(String(chunk))
      return true
    }) as typeof process.stderr.write
    try {
      const logger = getLogger()
      logger.info("silent before logToStderr")
      logToStderr("INFO")
      logger.info("now visible")
      logger.debug("below the level")
      logger.setLevel(10)
      logger.debug("visible at DEBUG")
    } finally {
      process.stderr.write = write
      getLogger().setLevel("CRITICAL")
    }
    expect(written).toEqual(["[INFO/MainProcess] now visible\n", "[DEBUG/MainProcess] visible at DEBUG\n"])
    expect(() => logToStderr("LOUD")).toThrow(/unknown log level/)
  })
})

describe("compat serializer", () => {
  it("dumps and loads what structured clone carries; forSchema validates and gives instances", async () => {
    const { serializer, SerializationError } = await import("effect-multiprocessing/compat")
    const { Schema } = await import("effect")
    const value = { when: new Date(0), tags: new Set(["a"]), big: 10n ** 30n }
    expect(serializer.loads(serializer.dumps(value))).toEqual(value)
    expect(() => serializer.dumps(() => 1)).toThrow(SerializationError)

    class User extends Schema.Class<User>("User")({ name: Schema.String, age: Schema.Number }) {}
    const users = serializer.forSchema(User)
    const back = users.loads(users.dumps(new User({ name: "ada", age: 36 })))
    expect(back).toBeInstanceOf(User)
    expect(back.name).toBe("ada")
    expect(() => users.loads(serializer.dumps({ name: "ada", age: "old" }))).toThrow(/age/)
  })
})
