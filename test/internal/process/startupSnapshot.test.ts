import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import * as compat from "effect-multiprocessing/compat"
import { Manager, NodeMultiprocessing, Process, ProcessPool, ProcessQueue, Target } from "effect-multiprocessing"
import { snapshotModules, targetNeedsLibrary } from "../../../src/internal/process/startupSnapshot.js"
import { Packr } from "msgpackr"
// msgpackr's own reader, whose string extractor the subject sets (this test's instance of it; its types omit setExtractor).
import * as unpack from "../../../node_modules/msgpackr/unpack.js"
import { extractLazily } from "../../../src/internal/child/msgpackrExtractor.js"
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

  it("an inline target that requires and imports the library starts from it, and instanceof holds", async () => {
    const q = new compat.Queue<number>()
    // Made from text: vitest would rewrite an import() written here into its own loader's call.
    const target = (0, eval)(`(async (q) => {
      const { Empty } = require("effect-multiprocessing/compat")
      const imported = await import("effect-multiprocessing/compat")
      const caught = await q.get(false).catch((error) => error)
      return { execArgv: process.execArgv.join(" "), isEmpty: caught instanceof Empty, sameImported: imported.Empty === Empty }
    })`) as (q: compat.Queue<number>) => Promise<unknown>
    const child = new compat.Process({ target, args: [q] })
    child.start()
    const { execArgv, isEmpty, sameImported } = (await child.result()) as { execArgv: string; isEmpty: boolean; sameImported: boolean }
    expect(fromSnapshot(execArgv)).toBe(true)
    expect(isEmpty).toBe(true)
    expect(sameImported).toBe(true)
    await child.join()
    child.close()
    q.dispose()
  })

  /** What a child from the snapshot sees of msgpackr (the codec's MessagePack) before and after it unpacks a long string. */
  const probeMsgpackr = async () => {
    const q = new compat.Queue<number>()
    const target = (0, eval)(`((q, long) => {
      const extractLoaded = () => Object.keys(require.cache).some((file) => file.includes("msgpackr-extract"))
      const msgpackr = require("msgpackr")
      const before = { accelerated: msgpackr.isNativeAccelerationEnabled, extractLoaded: extractLoaded() }
      const packr = new msgpackr.Packr({ useRecords: false })
      const back = packr.unpack(packr.pack({ long, list: [long, "short"] }))
      return {
        execArgv: process.execArgv.join(" "),
        resolved: require.resolve("msgpackr"),
        before,
        after: { accelerated: msgpackr.isNativeAccelerationEnabled, extractLoaded: extractLoaded() },
        same: back.long === long && back.list[0] === long && back.list[1] === "short"
      }
    })`) as (q: compat.Queue<number>, long: string) => unknown
    const child = new compat.Process({ target, args: [q, "é-".repeat(150)] })
    child.start()
    const report = (await child.result()) as {
      execArgv: string
      resolved: string
      before: { accelerated: boolean; extractLoaded: boolean }
      after: { accelerated: boolean; extractLoaded: boolean }
      same: boolean
    }
    expect(await child.join()).toBe(0)
    child.close()
    q.dispose()
    expect(fromSnapshot(report.execArgv)).toBe(true)
    expect(report.resolved).toMatch(/shared\/msgpackr\.cjs$/)
    expect(report.same).toBe(true)
    return report
  }

  it("msgpackr comes from it, and its native string extractor loads at first use, not at start", async () => {
    const { after, before } = await probeMsgpackr()
    expect(before).toEqual({ accelerated: true, extractLoaded: false })
    expect(after).toEqual({ accelerated: true, extractLoaded: true })
  })

  it("MSGPACKR_NATIVE_ACCELERATION_DISABLED=true keeps msgpackr's extractor off in a child from it, as msgpackr's entry does", async () => {
    const before = process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED
    process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED = "true"
    try {
      const report = await probeMsgpackr()
      expect(report.before).toEqual({ accelerated: false, extractLoaded: false })
      expect(report.after).toEqual({ accelerated: false, extractLoaded: false })
    } finally {
      if (before === undefined) delete process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED
      else process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED = before
    }
  })

  /** Everything `identity` in fixtures/snapshot-identity.mjs checks holds. */
  const expectShared = (report: Record<string, unknown>) => {
    expect(fromSnapshot(report.execArgv as string)).toBe(true)
    for (const [check, holds] of Object.entries(report)) if (check !== "execArgv") expect([check, holds]).toEqual([check, true])
  }
  const identity = new URL("../../fixtures/snapshot-identity.mjs", import.meta.url)

  it.scopedLive("a module target and a pool worker that import Effect and the library start from it and get its classes, symbols and tags", () =>
    Effect.gen(function*() {
      const q = yield* ProcessQueue.make()
      const child = yield* Process.start({ target: Target.moduleExport(identity, "probe"), args: [q] })
      expectShared((yield* child.result) as Record<string, unknown>)
      const pool = yield* ProcessPool.make({ processes: 1, initializer: Target.moduleExport(identity, "init"), initargs: [q] })
      expectShared((yield* pool.apply(Target.moduleExport(identity, "probeWorker"), [])) as Record<string, unknown>)
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.scopedLive("a TypeScript module target starts from it through tsx, and instanceof holds", () =>
    Effect.gen(function*() {
      const q = yield* ProcessQueue.make()
      const child = yield* Process.start({
        target: Target.moduleExport(new URL("../../fixtures/snapshot-identity.ts", import.meta.url), "probe"),
        args: [q]
      })
      expectShared((yield* child.result) as Record<string, unknown>)
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

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

  it.scopedLive("a manager serves from the snapshot, with inline and module callables registered", () =>
    Effect.gen(function*() {
      type Probe = { readonly call: (method: string) => Effect.Effect<unknown, unknown> }
      const probe = () => ({ execArgv: () => process.execArgv.join(" ") })
      const manager = yield* Manager.make({
        register: {
          Probe: probe,
          Cube: Target.moduleExport(new URL("../../fixtures/tasks.mjs", import.meta.url), "cube")
        }
      })
      expect(fromSnapshot((yield* (yield* manager.create<Probe>("Probe")).call("execArgv")) as string)).toBe(true)
      const dict = yield* manager.dict()
      yield* dict.setItem("answer", 42)
      expect(yield* dict.getItem("answer")).toBe(42)
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

  it("a target needs the library when its source imports Effect, its packages or the library; the manager's server does", () => {
    const inline = (expression: string) => ({ _tag: "Inline" as const, name: "f", expression })
    expect(targetNeedsLibrary(inline("(q) => q.put(1)"))).toBe(false)
    expect(targetNeedsLibrary(inline("(q) => q.put(require(\"node:os\").cpus().length)"))).toBe(false)
    expect(targetNeedsLibrary(inline("async () => (await import(\"node:fs\")).existsSync(\"x\")"))).toBe(false)
    expect(targetNeedsLibrary(inline("(q) => require(\"effect\")"))).toBe(true)
    expect(targetNeedsLibrary(inline("(q) => require('effect/Schema')"))).toBe(true)
    expect(targetNeedsLibrary(inline("async () => (await import(\"effect-multiprocessing/compat\")).Queue"))).toBe(true)
    expect(targetNeedsLibrary(inline("async () => (await import ( '@effect/platform-node/NodeRuntime' ))"))).toBe(true)
    expect(targetNeedsLibrary(inline("() => require(\"effects\")"))).toBe(false)
    const managerServer = snapshotModules.find((url) => url.endsWith("/managerServer.js"))!
    expect(targetNeedsLibrary({ _tag: "Module", name: "serveManager", url: managerServer, exportName: "serveManager" })).toBe(true)
    const module = (file: string) => ({ _tag: "Module" as const, name: "f", url: new URL(`../../fixtures/${file}`, import.meta.url).href, exportName: "f" })
    expect(targetNeedsLibrary(module("snapshot-identity.mjs"))).toBe(true)
    expect(targetNeedsLibrary(module("tasks.mjs"))).toBe(false)
    expect(targetNeedsLibrary(module("no-such-module.mjs"))).toBe(false)
  })

  it.prop(
    "an inline function whose source imports or requires Effect, a module of it or the library anywhere needs it",
    [fc.string(), fc.string(), fc.constantFrom("import(\"effect\")", "import ('effect/Effect')", "require(\"effect-multiprocessing\")", "require('@effect/platform')")],
    ([before, after, call]) => {
      expect(targetNeedsLibrary({ _tag: "Inline", name: "f", expression: `() => { ${before}; ${call}; ${after} }` })).toBe(true)
    },
    { fastCheck: { numRuns: 50 } }
  )
})

const { setExtractor, Unpackr } = unpack as typeof unpack & { readonly setExtractor: Parameters<typeof extractLazily>[0] }
const packr = new Packr({ useRecords: false })
const unpackr = new Unpackr({ useRecords: false })

describe("msgpackr's string extractor in a child from the start-up snapshot", () => {
  it.prop(
    "without the native addon, strings of every header size (str8, str16, str32) come back as they went, the addon looked for once",
    [fc.array(fc.string({ unit: "grapheme", minLength: 0, maxLength: 400 }), { minLength: 1, maxLength: 6 })],
    ([strings]) => {
      let lookups = 0
      extractLazily(setExtractor, () => {
        lookups++
        throw new Error("no msgpackr-extract here")
      })
      expect(lookups).toBe(0)
      const long = "é".repeat(40_000) // beyond 65535 bytes: a str32
      const value = { strings, long, padding: "x".repeat(200) }
      expect(unpackr.unpack(packr.pack(value))).toEqual(value)
      expect(lookups).toBe(1)
    },
    { fastCheck: { numRuns: 20 } }
  )

  it("MSGPACKR_NATIVE_ACCELERATION_DISABLED=true: no extractor is set, as msgpackr's entry would not", () => {
    const before = process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED
    process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED = "TRUE"
    try {
      let set = 0
      extractLazily(() => set++, () => ({ extractStrings: () => "" }))
      expect(set).toBe(0)
    } finally {
      if (before === undefined) delete process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED
      else process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED = before
    }
  })
})
