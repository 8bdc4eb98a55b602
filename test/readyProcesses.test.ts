// Ready processes (the "forkserver" start method) seen from outside, through the process table: which
// spare a start takes, the readiness descriptor a spare closes once booted, and the starts that hand
// descriptors over (a Pipe end, a Manager's channel), which reach a ready process after its Start message.
// The burst, the environment check and the SIGKILLed parent are in lifecycle.test.ts.
import * as fs from "node:fs"
import { afterEach, describe, expect, it } from "vitest"
import { Manager, Pipe, Process, setStartMethod } from "effect-multiprocessing/compat"
import { descendants, waitUntil } from "./support/processes.js"
import type * as NativeModule from "../src/internal/native/native.js"

// The build's addon, as the library loaded it (undefined where it is not built or EFFECT_MULTIPROCESSING_NATIVE=0).
const { native }: typeof NativeModule = await import(new URL("../dist/internal/native/native.js", import.meta.url).href)

/** This process's direct children (spares are, setpriv execs node in place). */
const children = () => descendants().filter((pid) => parentOf(pid) === process.pid)

const parentOf = (pid: number): number | undefined => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])
  } catch {
    return undefined
  }
}

/** When the kernel started `pid`, in clock ticks. */
const startTime = (pid: number): number => {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19])
}

/** A spare is booted once it has closed its readiness descriptor (4) and runs node (not setpriv any more). */
const booted = (pid: number): boolean => {
  try {
    return !fs.existsSync(`/proc/${pid}/fd/4`) && fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("node")
  } catch {
    return false
  }
}

const cmdline = (pid: number): string | undefined => {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8")
  } catch {
    return undefined
  }
}

/** A few turns of the event loop, for events already in the kernel to be handled. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50))

afterEach(async () => {
  setStartMethod("spawn", { force: true })
  // Retired at once: nothing of this file is left for the next.
  expect(await waitUntil(() => descendants().length === 0, 20_000)).toBe(true)
})

describe("ready processes", () => {
  it("boot at setStartMethod, say when they are booted, and the oldest booted one takes the first start, unmarked", async () => {
    setStartMethod("forkserver", { force: true, readyProcesses: 2 })
    // Booted before any start was asked for.
    expect(await waitUntil(() => children().length === 2 && children().every(booted), 60_000)).toBe(true)
    await settle() // this process hears the descriptors close on its next turns
    const [oldest, newest] = children().sort((a, b) => startTime(a) - startTime(b) || a - b)
    const p = new Process({
      target: () => {
        const fs = require("node:fs")
        let readinessOpen = true
        try {
          fs.fstatSync(4)
        } catch {
          readinessOpen = false
        }
        return { pid: process.pid, marker: process.env.EFFECT_MULTIPROCESSING_READY_PROCESS ?? null, readinessOpen }
      }
    })
    p.start()
    expect(await p.result()).toEqual({ pid: oldest, marker: null, readinessOpen: false })
    expect(await p.join()).toBe(0)
    p.close()
    // The other spare stays for the next start; the replacement boots once the taken process has exited.
    expect(children()).toContain(newest)
    expect(await waitUntil(() => children().length === 2, 60_000)).toBe(true)
  }, 120_000)

  it("a Connection end reaches a ready process after its Start message, and a Manager's server starts from one", async () => {
    setStartMethod("forkserver", { force: true, readyProcesses: 1 })
    // A child given a Connection starts from the start-up snapshot: another command line than the plain spare's.
    expect(await waitUntil(() => children().length === 1 && children().every(booted), 60_000)).toBe(true)
    const plain = cmdline(children()[0])
    const echo = async () => {
      const [here, there] = await Pipe()
      const p = new Process({
        target: async (conn: any) => {
          await conn.send(process.pid)
          await conn.send((await conn.recv()) * 2)
          return process.pid
        },
        args: [there]
      })
      p.start()
      there.close()
      const pid = (await here.recv()) as number
      await here.send(21)
      expect(await here.recv()).toBe(42)
      expect(await p.result()).toBe(pid)
      expect(await p.join()).toBe(0)
      p.close()
      here.close()
      return pid
    }
    // Booted spares of the snapshot's kind (a running child shows its title instead of a command line).
    const snapshotSpares = async (except: number) => {
      let found: Array<number> = []
      await waitUntil(() => {
        found = children().filter((pid) => pid !== except && booted(pid) && cmdline(pid) !== plain)
        return found.length > 0
      }, 60_000)
      return found
    }
    if (native === undefined) {
      // Without the addon descriptors cannot follow a Start message: such a start spawns a child, which works the same.
      const before = children()
      expect(before).not.toContain(await echo())
      return
    }
    // The first such start finds no spare of its kind and spawns; it boots one for the next.
    const first = await echo()
    const spares = await snapshotSpares(first)
    expect(spares.length).toBeGreaterThan(0)
    const second = await echo()
    expect(spares).toContain(second)

    // The manager's server is such a child too (it is given the manager's Pipe end).
    const forManager = await snapshotSpares(second)
    expect(forManager.length).toBeGreaterThan(0)
    const manager = await Manager()
    try {
      expect(forManager).toContain(manager.pid)
      const d = await manager.dict()
      await d.setItem("answer", 42)
      expect(await d.getItem("answer")).toBe(42)
    } finally {
      await manager.shutdown()
    }
  }, 120_000)
})
