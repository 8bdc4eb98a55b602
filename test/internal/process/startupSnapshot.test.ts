import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import * as compat from "effect-multiprocessing/compat"
import { Manager, NodeMultiprocessing, Process, ProcessQueue, Target } from "effect-multiprocessing"
import { canStartFromSnapshot, snapshotModules } from "../../../src/internal/process/startupSnapshot.js"
import { firstLine, fixture, isRunning, projectRoot, waitUntil } from "../../support/processes.js"

const blob = path.join(projectRoot, "dist/internal/child/snapshot.blob")
const fromSnapshot = (execArgv: string) => execArgv.includes("--snapshot-blob")

/** Runs `body` with `EFFECT_MULTIPROCESSING_SNAPSHOT` set (children inherit it; the parent reads it at each start). */
const withSnapshotSetting = async <A>(value: string, body: () => Promise<A>): Promise<A> => {
  const before = process.env.EFFECT_MULTIPROCESSING_SNAPSHOT
  process.env.EFFECT_MULTIPROCESSING_SNAPSHOT = value
  try {
    return await body()
  } finally {
    if (before === undefined) delete process.env.EFFECT_MULTIPROCESSING_SNAPSHOT
    else process.env.EFFECT_MULTIPROCESSING_SNAPSHOT = before
  }
}

/** A child given a Queue, a Lock, a Pipe end, a Value and an Event, which uses each and says how it started. */
const useEverything = async () => {
  const q = new compat.Queue<unknown>()
  const lock = new compat.Lock()
  const value = compat.Value("i", 40)
  const event = new compat.Event()
  const [here, there] = await compat.Pipe()
  const child = new compat.Process({
    target: async (q: compat.Queue<unknown>, lock: compat.Lock, value: compat.Value<"i">, event: compat.Event, conn: compat.Connection) => {
      await lock.acquire()
      await value.set((await value.get()) + 2)
      lock.release()
      await conn.send(await conn.recv())
      await event.set()
      const empty = await q.get(false).then(() => "an item", (error: Error) => error.name)
      await q.put({ execArgv: process.execArgv.join(" "), empty })
    },
    args: [q, lock, value, event, there]
  })
  child.start()
  await here.send("ping")
  expect(await here.recv()).toBe("ping")
  expect(await event.wait(60)).toBe(true)
  const report = (await q.get(true, 60)) as { execArgv: string; empty: string }
  expect(await child.join()).toBe(0)
  expect(await value.get()).toBe(42)
  expect(report.empty).toBe("Empty")
  child.close()
  here.close()
  there.close()
  lock.close()
  value.close()
  event.close()
  q.dispose()
  return report
}

describe("the start-up snapshot", () => {
  it("was built with the library", () => {
    expect(fs.existsSync(blob)).toBe(true)
  })

  it("a child given shared objects starts from it and uses a Queue, a Lock, a Pipe end, a Value and an Event", async () => {
    const report = await useEverything()
    expect(fromSnapshot(report.execArgv)).toBe(true)
  })

  it("EFFECT_MULTIPROCESSING_SNAPSHOT=0 turns it off: the same child starts the ordinary way and works the same", async () => {
    const report = await withSnapshotSetting("0", useEverything)
    expect(fromSnapshot(report.execArgv)).toBe(false)
  })

  it("an error raised in a child started from it arrives typed", async () => {
    const q = new compat.Queue<number>()
    const child = new compat.Process({ target: (q: compat.Queue<number>) => q.get(false), args: [q] })
    child.start()
    await expect(child.result()).rejects.toBeInstanceOf(compat.Empty)
    expect(await child.join()).toBe(1)
    child.close()
    q.dispose()
  })

  it("a child whose target imports the library starts the ordinary way, where instanceof holds", async () => {
    const q = new compat.Queue<number>()
    const child = new compat.Process({
      target: async (q: compat.Queue<number>) => {
        const { Empty } = require("effect-multiprocessing/compat")
        const caught = await q.get(false).catch((error: unknown) => error)
        return { execArgv: process.execArgv.join(" "), isEmpty: caught instanceof Empty }
      },
      args: [q]
    })
    child.start()
    const { execArgv, isEmpty } = (await child.result()) as { execArgv: string; isEmpty: boolean }
    expect(fromSnapshot(execArgv)).toBe(false)
    expect(isEmpty).toBe(true)
    await child.join()
    child.close()
    q.dispose()
  })

  it("a child with nothing to revive starts the ordinary way (the snapshot would be slower)", async () => {
    const child = new compat.Process({ target: () => process.execArgv.join(" ") })
    child.start()
    expect(fromSnapshot((await child.result()) as string)).toBe(false)
    await child.join()
    child.close()
  })

  it("another node executable (a wrapper script) starts the ordinary way", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "snapshot-test-"))
    const wrapper = path.join(dir, "node")
    fs.writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "$@"\n`, { mode: 0o755 })
    try {
      compat.setExecutable(wrapper)
      const q = new compat.Queue<string>()
      const child = new compat.Process({ target: (q: compat.Queue<string>) => q.put(process.execArgv.join(" ")), args: [q] })
      child.start()
      expect(fromSnapshot(await q.get(true, 60))).toBe(false)
      expect(await child.join()).toBe(0)
      child.close()
      q.dispose()
    } finally {
      compat.setExecutable(process.execPath)
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it.scopedLive("Effect face: a child from the snapshot runs the Effect a revived Queue's put returns", () =>
    Effect.gen(function*() {
      const q = yield* ProcessQueue.make()
      const child = yield* Process.start({ target: (q: any) => q.put(process.execArgv.join(" ")), args: [q] })
      expect(fromSnapshot((yield* q.get({ timeout: "60 seconds" })) as string)).toBe(true)
      expect(yield* child.join()).toBe(0)
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.scopedLive("a manager whose registered callables are inline functions serves from the snapshot; one with a module callable does not", () =>
    Effect.gen(function*() {
      type Probe = { readonly call: (method: string) => Effect.Effect<unknown, unknown> }
      const probe = () => ({ execArgv: () => process.execArgv.join(" ") })
      const inline = yield* Manager.make({ register: { Probe: probe } })
      expect(fromSnapshot((yield* (yield* inline.create<Probe>("Probe")).call("execArgv")) as string)).toBe(true)
      const dict = yield* inline.dict()
      yield* dict.setItem("answer", 42)
      expect(yield* dict.getItem("answer")).toBe(42)
      const withModule = yield* Manager.make({
        register: {
          Probe: probe,
          Cube: Target.moduleExport(new URL("../../fixtures/tasks.mjs", import.meta.url), "cube")
        }
      })
      expect(fromSnapshot((yield* (yield* withModule.create<Probe>("Probe")).call("execArgv")) as string)).toBe(false)
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  for (const [how, env] of [
    ["through the kernel's parent-death signal (setpriv)", {}],
    ["through the child's own watch, where setpriv is missing", { EFFECT_MULTIPROCESSING_NO_PDEATHSIG: "1" }]
  ] as const) {
    it(`no orphans ${how}: children from the snapshot, idle or busy, go with a parent killed by SIGKILL`, async () => {
      const { child: parent, line } = await firstLine([fixture("snapshot-orphan-parent.mjs")], env)
      const { fromSnapshot, pids } = JSON.parse(line) as { pids: Array<number>; fromSnapshot: Array<boolean> }
      expect(fromSnapshot).toEqual([true, true])
      const exited = new Promise((resolve) => parent.on("exit", resolve))
      parent.kill("SIGKILL")
      await exited
      // The limit only keeps a failure from hanging the test.
      const gone = await waitUntil(() => !pids.some(isRunning), 20_000)
      for (const pid of pids.filter(isRunning)) process.kill(pid, "SIGKILL")
      expect(gone).toBe(true)
    })
  }

  it("only inline functions that import nothing but Node's built-ins qualify", () => {
    const inline = (expression: string) => ({ _tag: "Inline" as const, name: "f", expression })
    expect(canStartFromSnapshot(inline("(q) => q.put(1)"))).toBe(true)
    expect(canStartFromSnapshot(inline("(q) => q.put(require(\"node:os\").cpus().length)"))).toBe(true)
    expect(canStartFromSnapshot(inline("(q) => q.put(require('fs').existsSync('x'))"))).toBe(true)
    expect(canStartFromSnapshot(inline("(q) => require(\"effect\")"))).toBe(false)
    expect(canStartFromSnapshot(inline("(q) => require(name)"))).toBe(false)
    expect(canStartFromSnapshot(inline("(q) => { const r = require; return r(\"effect\") }"))).toBe(false)
    expect(canStartFromSnapshot(inline("async () => (await import(\"effect\")).Effect"))).toBe(false)
    expect(canStartFromSnapshot(inline("async () => __vite_ssr_dynamic_import__(\"effect\")"))).toBe(false)
    expect(canStartFromSnapshot(inline("() => eval(\"imp\" + \"ort('effect')\")"))).toBe(false)
    expect(canStartFromSnapshot(inline("() => new Function(\"return 1\")()"))).toBe(false)
    expect(canStartFromSnapshot({ _tag: "Module", name: "f (x)", url: "file:///x.js", exportName: "f" })).toBe(false)
    const managerServer = snapshotModules.find((url) => url.endsWith("/managerServer.js"))!
    const server = { _tag: "Module" as const, name: "serveManager", url: managerServer, exportName: "serveManager" }
    expect(canStartFromSnapshot(server, [{ registrations: [{ typeid: "A", callable: inline("() => ({})") }] }])).toBe(true)
    expect(canStartFromSnapshot(server, [{ registrations: [{ typeid: "A", callable: inline("() => require(\"effect\")") }] }])).toBe(false)
    expect(canStartFromSnapshot(server, [{ initializer: { typeid: "i", callable: { _tag: "Module", url: "file:///x.js", exportName: "f" } } }])).toBe(false)
  })

  it.prop(
    "a function whose source has import( or a require of a package anywhere never qualifies",
    [fc.string(), fc.string(), fc.constantFrom("import(", "import (", "import\n(", "require(\"effect\")", "require('effect/Schema')")],
    ([before, after, call]) => {
      expect(canStartFromSnapshot({ _tag: "Inline", name: "f", expression: `() => { ${before} ${call}${after} }` })).toBe(false)
    }
  )
})
