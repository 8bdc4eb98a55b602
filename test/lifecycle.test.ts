import { spawn } from "node:child_process"
import { describe, expect, it } from "vitest"
import { Process, setStartMethod } from "effect-multiprocessing/compat"
import { descendants, firstLine, fixture, isRunning, projectRoot as root, waitUntil } from "./support/processes.js"

describe("process lifecycle across real parents", () => {
  for (const [how, env] of [
    ["through the kernel's parent-death signal (setpriv)", {}],
    ["through the child's own watch, where setpriv is missing", { EFFECT_MULTIPROCESSING_NO_PDEATHSIG: "1" }]
  ] as const) {
    it(`no orphans ${how}: SIGKILL the parent and its children, idle or busy, go with it`, async () => {
      const { child: parent, line } = await firstLine([fixture("orphan-parent.mjs")], env)
      const { pids } = JSON.parse(line) as { pids: Array<number> }
      expect(pids).toHaveLength(2)
      expect(pids.every(isRunning)).toBe(true)
      const exited = new Promise((resolve) => parent.on("exit", resolve))
      parent.kill("SIGKILL")
      await exited
      // They notice the parent's end and exit; the limit only keeps a failure from hanging the test.
      const gone = await waitUntil(() => !pids.some(isRunning), 20_000)
      for (const pid of pids.filter(isRunning)) process.kill(pid, "SIGKILL")
      expect(gone).toBe(true)
    })

    it(`no orphans ${how}: a child that ignores SIGTERM and keeps its main thread busy is killed after the grace`, async () => {
      const parent = spawn(process.execPath, [fixture("stubborn-orphan-parent.mjs")], {
        cwd: root,
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "inherit"]
      })
      // The child's pid (from the parent) and its "ready" (its handler is installed), in either order.
      let out = ""
      await new Promise<void>((resolve, reject) => {
        parent.stdout!.on("data", (chunk) => {
          out += chunk
          if (out.includes("ready\n") && out.includes("}\n")) resolve()
        })
        parent.on("exit", (code) => reject(new Error(`the parent exited with ${code}: ${out}`)))
      })
      const pid = (JSON.parse(/^\{.*\}$/m.exec(out)![0]) as { pid: number }).pid
      expect(isRunning(pid)).toBe(true)
      const exited = new Promise((resolve) => parent.on("exit", resolve))
      parent.kill("SIGKILL")
      await exited
      const gone = await waitUntil(() => !isRunning(pid), 20_000)
      if (!gone) process.kill(pid, "SIGKILL")
      expect(gone).toBe(true)
    }, 90_000)
  }

  it("an entry script that is its own target module: the child's start fails, naming the main guard; guarded, it runs once", async () => {
    for (const guarded of [false, true]) {
      const started = firstLine([fixture("self-target.mjs")], guarded ? { SELF_TARGET_GUARDED: "1" } : {})
      // Without the check, every child starts another and no line ever comes: give up after a generous wait
      // (the file's leak check then kills the chain).
      const outcome = await Promise.race([started, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 20_000))])
      expect(outcome).toBeDefined()
      const { child: parent, line } = outcome!
      await new Promise((resolve) => parent.exitCode !== null ? resolve(undefined) : parent.on("exit", resolve))
      expect(parent.exitCode).toBe(0)
      if (guarded) {
        expect(JSON.parse(line)).toEqual({ result: "worked" })
      } else {
        const { error, message } = JSON.parse(line) as { error: string; message: string }
        expect(error).toBe("InvalidTargetError") // the target module failed to load in the child
        expect(message).toContain("before this process (Process-1) has finished loading its target module")
        expect(message).toContain("import.meta.url === pathToFileURL(process.argv[1]).href")
      }
    }
  }, 90_000)

  describe("ready processes (the \"forkserver\" start method)", () => {
    const run = async (wait: boolean) => {
      const { child: parent, line } = await firstLine([fixture("ready-processes-parent.mjs")], wait ? { READY_WAIT: "1" } : {})
      const report = JSON.parse(line) as {
        results: Array<{ pid: number; evaluations: number }>
        env: string
        spares: Array<number>
      }
      return { parent, ...report }
    }

    it("a burst of 50 starts: each a fresh process, used once; a changed environment is seen; the spares do not keep the program alive", async () => {
      const { env, parent, results, spares } = await run(false)
      expect(results).toHaveLength(50)
      expect(new Set(results.map((r) => r.pid)).size).toBe(50)
      expect(results.every((r) => r.evaluations === 1)).toBe(true)
      expect(env).toBe("changed")
      expect(spares.length).toBeGreaterThanOrEqual(1)
      await new Promise((resolve) => parent.exitCode !== null ? resolve(undefined) : parent.on("exit", resolve))
      expect(parent.exitCode).toBe(0)
      const gone = await waitUntil(() => !spares.some(isRunning), 20_000)
      for (const pid of spares.filter(isRunning)) process.kill(pid, "SIGKILL")
      expect(gone).toBe(true)
    }, 120_000)

    it("the spares go when their parent is SIGKILLed", async () => {
      const { parent, spares } = await run(true)
      expect(spares.length).toBeGreaterThanOrEqual(1)
      expect(spares.every(isRunning)).toBe(true)
      const exited = new Promise((resolve) => parent.on("exit", resolve))
      parent.kill("SIGKILL")
      await exited
      const gone = await waitUntil(() => !spares.some(isRunning), 20_000)
      for (const pid of spares.filter(isRunning)) process.kill(pid, "SIGKILL")
      expect(gone).toBe(true)
    }, 120_000)

    it("a change of start method ends the spares at once, not at the next start", async () => {
      setStartMethod("forkserver", { force: true, readyProcesses: 1 })
      try {
        const p = new Process({ target: () => 0 })
        p.start()
        await p.join()
        const spare = await waitUntil(() => descendants().length === 1, 60_000)
        expect(spare).toBe(true)
      } finally {
        setStartMethod("spawn", { force: true })
      }
      expect(await waitUntil(() => descendants().length === 0, 20_000)).toBe(true)
    }, 120_000)
  })

  it("a parent stays for its non-daemon children, not for daemon ones, which exit with it", async () => {
    const started = Date.now()
    const { child: parent, line } = await firstLine([fixture("daemon-parent.mjs")])
    const { daemon } = JSON.parse(line) as { daemon: number; worker: number }
    let output = ""
    parent.stdout!.on("data", (chunk) => (output += chunk))
    await new Promise((resolve) => parent.on("exit", resolve))
    expect(parent.exitCode).toBe(0)
    expect(output).toContain("worker done")
    expect(Date.now() - started).toBeGreaterThanOrEqual(400)
    const gone = await waitUntil(() => !isRunning(daemon), 20_000)
    if (!gone) process.kill(daemon, "SIGKILL")
    expect(gone).toBe(true)
  })

  it("idle connections, listeners, managers and manager servers do not keep a program running; a waiting receive or handshake does", async () => {
    const parent = spawn(process.execPath, [fixture("idle-objects-parent.mjs")], { cwd: root, stdio: ["ignore", "pipe", "inherit"] })
    let output = ""
    parent.stdout!.on("data", (chunk) => (output += chunk))
    // It ends by itself; the limit only tells a program that never would from one on a busy machine.
    const exited = await Promise.race([
      new Promise((resolve) => parent.on("exit", () => resolve(true))),
      new Promise((resolve) => setTimeout(() => resolve(false), 60_000))
    ])
    if (!exited) parent.kill("SIGKILL")
    expect(exited).toBe(true)
    expect(parent.exitCode).toBe(0)
    const lines = output.trim().split("\n")
    expect(lines).toEqual([
      "through the pipe",
      "through a listener",
      expect.stringMatching(/^manager \d+ says 42$/),
      "late, but waited for",
      "late, to a handed end"
    ])
    // The manager process goes with its program.
    const managerPid = Number(/^manager (\d+)/.exec(lines[2])![1])
    const gone = await waitUntil(() => !isRunning(managerPid), 20_000)
    if (!gone) process.kill(managerPid, "SIGKILL")
    expect(gone).toBe(true)
  }, 90_000)

  it("TypeScript targets work when the parent runs under tsx", async () => {
    const { child, line } = await firstLine(["--import", "tsx", fixture("tsx-parent.ts")])
    await new Promise((resolve) => child.on("exit", resolve))
    expect(JSON.parse(line)).toEqual({ square: 81, shape: "triangle" })
    expect(child.exitCode).toBe(0)
  })
})

describe("a child's last words", () => {
  it("frames sent right before process.exit() arrive", async () => {
    const compat = await import("effect-multiprocessing/compat")
    const [here, there] = await compat.Pipe()
    const child = new compat.Process({
      target: async (conn: any) => {
        await conn.send("first")
        await conn.send("last words")
        process.exit(0)
      },
      args: [there]
    })
    child.start()
    there.close()
    expect([await here.recv(), await here.recv()]).toEqual(["first", "last words"])
    expect(await child.join()).toBe(0)
    child.close()
    here.close()
  })
})
