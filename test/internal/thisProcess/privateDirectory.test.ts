/**
 * The private socket directories (src/internal/thisProcess/privateDirectory.ts): made 0700, removed when
 * their maker ends however it ends, and swept by the next program when their maker is gone.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import type * as Tasks from "../../fixtures/tasks.js"
import { firstLine, fixture, waitUntil } from "../../support/processes.js"

describe("socket directories", () => {
  it("socket directories are private (0700), and a child killed by a signal leaves none behind", async () => {
    const { Pipe, Process, Queue, Target } = await import("effect-multiprocessing/compat")
    const tasks = Target.module<typeof Tasks>(new URL("../../fixtures/tasks.ts", import.meta.url))
    const leftovers = (pid: number) => fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith(`emp-resources-${pid}-`))
    for (const signal of ["terminate", "kill"] as const) {
      const [here, there] = await Pipe()
      // The child serves a Queue of its own (its resource server's directory appears), then waits.
      const child = new Process({ target: tasks.serveOwnQueueForever, args: [there] })
      child.start()
      there.close()
      const queue = (await here.recv()) as InstanceType<typeof Queue>
      expect(await queue.qsize()).toBe(0) // served from the child's directory
      const [directory] = leftovers(child.pid!)
      expect(directory).toBeDefined()
      expect(fs.statSync(path.join(os.tmpdir(), directory)).mode & 0o777).toBe(0o700)
      child[signal]()
      await child.join()
      expect(child.exitCode).toBe(signal === "terminate" ? -15 : -9)
      // Removed by the parent in the background, once it saw the exit.
      await waitUntil(() => leftovers(child.pid!).length === 0, 20_000)
      expect(leftovers(child.pid!)).toEqual([])
      child.close()
      here.close()
    }
  })

  describe("socket directories of a program that did not close its objects", () => {
    const directoriesOf = (pid: number) =>
      fs.readdirSync(os.tmpdir()).filter((name) => new RegExp(`^emp-[a-z]+-${pid}-`).test(name))
    const kinds = (names: Array<string>) => [...new Set(names.map((name) => name.split("-")[1]))].sort()

    it("are removed at a normal exit (an unclosed Listener's too)", async () => {
      const { child: parent, line } = await firstLine([fixture("socket-dirs-parent.mjs"), "exit"])
      const { pid } = JSON.parse(line) as { pid: number }
      await new Promise((resolve) => parent.exitCode !== null ? resolve(undefined) : parent.on("exit", resolve))
      expect(parent.exitCode).toBe(0)
      expect(directoriesOf(pid)).toEqual([]) // at once: removed on the way out, not later
    }, 90_000)

    for (const signal of ["SIGINT", "SIGTERM", "SIGKILL"] as const) {
      it(`are removed when the program is killed by ${signal}, which still ends it as the signal does`, async () => {
        const { child: parent, line } = await firstLine([fixture("socket-dirs-parent.mjs")])
        const { pid } = JSON.parse(line) as { pid: number }
        expect(kinds(directoriesOf(pid))).toEqual(["listener", "resources"])
        const exited = new Promise((resolve) => parent.on("exit", resolve))
        parent.kill(signal)
        await exited
        expect(parent.signalCode).toBe(signal)
        expect(await waitUntil(() => directoriesOf(pid).length === 0, 15_000)).toBe(true)
      }, 90_000)
    }

    it("the next program's first directory sweeps those whose maker is gone, or whose pid now names a later process", async () => {
      const tmp = os.tmpdir()
      const gonePid = await new Promise<number>((resolve) => {
        const short = spawn(process.execPath, ["-e", ""], { stdio: "ignore" })
        short.on("exit", () => resolve(short.pid!))
      })
      const gone = path.join(tmp, `emp-listener-${gonePid}-sweep1`)
      // This test's own process is alive: a directory older than it was made by an earlier holder of its pid.
      const reused = path.join(tmp, `emp-resources-${process.pid}-sweep2`)
      const current = path.join(tmp, `emp-resources-${process.pid}-sweep3`)
      for (const directory of [gone, reused, current]) fs.mkdirSync(directory, { mode: 0o700 })
      const dayAgo = new Date(Date.now() - 86_400_000)
      fs.utimesSync(reused, dayAgo, dayAgo)
      try {
        const { child: parent } = await firstLine([fixture("socket-dirs-parent.mjs"), "exit"])
        await new Promise((resolve) => parent.exitCode !== null ? resolve(undefined) : parent.on("exit", resolve))
        expect(await waitUntil(() => !fs.existsSync(gone) && !fs.existsSync(reused), 15_000)).toBe(true)
        expect(fs.existsSync(current)).toBe(true) // its maker may still be using it
      } finally {
        for (const directory of [gone, reused, current]) fs.rmSync(directory, { recursive: true, force: true })
      }
    }, 90_000)
  })
})
