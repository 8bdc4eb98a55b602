import { describe, expect, it } from "@effect/vitest"
import { createHash } from "node:crypto"
import { Effect, Either, Exit, Fiber, Option, Schema } from "effect"
import { type Multiprocessing, NodeMultiprocessing, Process, ProcessContext, ProcessStateError, Target } from "effect-multiprocessing"

import type * as Tasks from "./fixtures/tasks.js"
import { isRunning } from "./support/processes.js"

type StartMethod = Multiprocessing.StartMethod

const tasks = Target.module<typeof Tasks>(new URL("./fixtures/tasks.ts", import.meta.url))
const jsTasks = Target.module<{ cube: (x: number) => number; loaderInChild: () => Promise<string> }>(
  new URL("./fixtures/tasks.mjs", import.meta.url)
)
/** Provides the backend with `method` as the start method of every Process the test starts. */
const provideWith = (method: StartMethod) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provide(Effect.zipRight(ProcessContext.setStartMethod(method, { force: true }), effect), NodeMultiprocessing.layer)
const provide = provideWith("spawn")
const label = (hex: string) => `sha256:${hex.slice(0, 8)}`

describe.each(["spawn", "thread"] as const)("Process (Effect face, start method %s)", (method) => {
  const provide = provideWith(method)

    it.live("runs an inline target in a child and returns its value (another pid, or this pid and a thread id for a thread)", () =>
      Effect.gen(function*() {
        const result = yield* Process.run({ target: (a: number, b: number) => ({ sum: a + b, pid: process.pid }), args: [20, 22] })
        expect(result.sum).toBe(42)
        expect(result.pid === process.pid).toBe(method === "thread")
      }).pipe(provide))

    it.live("exit codes follow Python: return 0, throw 1, process.exit(n) n, terminate -15, kill -9", () =>
      Effect.gen(function*() {
        const codeOf = (target: () => unknown) =>
          Effect.gen(function*() {
            const p = yield* Process.start({ target })
            return yield* p.join()
          })
        expect(yield* codeOf(() => "fine")).toBe(0)
        expect(yield* codeOf(() => {
          throw new Error("expected failure in a test")
        })).toBe(1)
        expect(yield* codeOf(() => process.exit(7))).toBe(7)
        expect(yield* codeOf(() => Promise.reject(new Error("expected rejection in a test")))).toBe(1)

        const forever = () => new Promise(() => {})
        const terminated = yield* Process.start({ target: forever })
        expect(yield* terminated.join(0.2).pipe(Effect.flip)).toMatchObject({ _tag: "TimeoutError" })
        expect(terminated.isAlive).toBe(true)
        expect(terminated.exitCode).toBeNull()
        yield* terminated.terminate
        expect(yield* terminated.join()).toBe(-15)
        expect(terminated.isAlive).toBe(false)

        const killed = yield* Process.start({ target: forever })
        yield* killed.kill
        expect(yield* killed.join()).toBe(-9)
      }).pipe(Effect.scoped, provide))

    it.live("a failure in the child arrives as RemoteError with its type, message and the child's stack", () =>
      Effect.gen(function*() {
        const error = yield* Process.run({
          target: function explode(what: string) {
            throw new RangeError(`${what} is out of range`)
          },
          args: ["the answer"]
        }).pipe(Effect.flip)
        expect(error._tag).toBe("RemoteError")
        if (error._tag !== "RemoteError") return
        expect(error.type).toBe("RangeError")
        expect(error.message).toBe("the answer is out of range")
        expect(error.remoteStack).toContain("explode")
        expect(error.pid === process.pid).toBe(method === "thread")
      }).pipe(provide))

    it.live("a process that exits without returning fails result with ProcessExitedError", () =>
      Effect.gen(function*() {
        const error = yield* Process.run({ target: () => process.exit(3) }).pipe(Effect.flip)
        expect(error._tag).toBe("ProcessExitedError")
        expect(error).toMatchObject({ exitCode: 3 })
      }).pipe(provide))

    it.live("module targets keep their types, in TypeScript (through tsx) and JavaScript (no loader)", () =>
      Effect.gen(function*() {
        const squared: number = yield* Process.run({ target: tasks.square, args: [12] })
        expect(squared).toBe(144)
        const greeting: string = yield* Process.run({ target: tasks.greet, args: ["ada", "?"] })
        expect(greeting).toBe("hello ada?")
        const fromEffect = yield* Process.run({ target: tasks.effectful, args: [21] })
        expect(fromEffect).toEqual({ doubled: 42 })
        const failed = yield* Process.run({ target: tasks.failingEffect, args: ["nope"] }).pipe(Effect.flip)
        expect(failed).toMatchObject({ _tag: "RemoteError", message: "nope" })
        expect(yield* Process.run({ target: jsTasks.cube, args: [3] })).toBe(27)
        // A JavaScript target's child starts without a TypeScript loader.
        expect(yield* Process.run({ target: jsTasks.loaderInChild })).toBe("ERR_UNKNOWN_FILE_EXTENSION")
      }).pipe(provide))

    it.live("an inline target may return an Effect", () =>
      Effect.gen(function*() {
        const value = yield* Process.run({
          target: async (n: number) => {
            const { Effect } = await import("effect")
            return Effect.succeed(n + 1)
          },
          args: [41]
        })
        expect(value).toBe(42)
      }).pipe(provide))

    it.live("the child knows its name, identity, authkey and parent", () =>
      Effect.gen(function*() {
        const me = yield* ProcessContext.currentProcess
        const described = yield* Process.run({ target: tasks.describeSelf, name: "worker-a" })
        expect(described.name).toBe("worker-a")
        expect(described.parentPid).toBe(process.pid)
        expect(described.parentAlive).toBe(true)
        expect(described.authkeyLength).toBe(me.authkey.length)
        expect(described.identity.length).toBe(me.identity.length + 1)
        expect(me.name).toBe("MainProcess")
        expect(yield* ProcessContext.parentProcess).toBeNull()
      }).pipe(provide))

    it.live("state errors: start twice, join before start, close while running, use after close", () =>
      Effect.gen(function*() {
        const p = yield* Process.make({ target: () => new Promise(() => {}) })
        expect((yield* p.join().pipe(Effect.flip))._tag).toBe("ProcessStateError")
        expect((yield* p.terminate.pipe(Effect.flip))._tag).toBe("ProcessStateError")
        yield* p.start
        expect((yield* p.start.pipe(Effect.flip)).message).toContain("twice")
        expect((yield* p.close.pipe(Effect.flip)).message).toContain("still running")
        expect((yield* p.setDaemon(true).pipe(Effect.flip))._tag).toBe("ProcessStateError")
        yield* p.kill
        yield* p.join()
        yield* p.close
        expect((yield* p.join().pipe(Effect.flip)).message).toContain("closed")
        // Python's pid, exitcode and is_alive() raise "process object is closed"; the getters throw the typed error.
        for (const read of [() => p.pid, () => p.exitCode, () => p.isAlive] as Array<() => unknown>) {
          expect(Either.getLeft(Either.try({ try: read, catch: (error) => error }))).toEqual(
            Option.some(expect.objectContaining({ _tag: "ProcessStateError", message: expect.stringContaining("process object is closed") }))
          )
        }
        expect(String(p)).toContain("closed")
        yield* p.close // again: as Python's, closing twice is fine
      }).pipe(Effect.scoped, provide))

    it.live("closing the scope terminates a child still running and waits for it", () =>
      Effect.gen(function*() {
        const child = yield* Effect.scoped(Process.start({ target: () => new Promise(() => {}) }))
        expect(child.exitCode).toBe(-15)
        if (method === "spawn") expect(isRunning(child.pid!)).toBe(false)
      }).pipe(provide))

    it.live("interrupting Process.run terminates the child", () =>
      Effect.gen(function*() {
        const fiber = yield* Process.run({ target: () => new Promise(() => {}) }).pipe(Effect.fork)
        let children: ReadonlyArray<Process.Process> = []
        while (children.length === 0) children = yield* Effect.zipLeft(ProcessContext.activeChildren, Effect.sleep(10))
        const pids = children.map((p) => p.pid!)
        expect(pids.length).toBe(1)
        const exit = yield* Fiber.interrupt(fiber)
        expect(Exit.isInterrupted(exit)).toBe(true)
        expect(children.every((p) => !p.isAlive)).toBe(true)
        if (method === "spawn") expect(pids.every((pid) => !isRunning(pid))).toBe(true)
        expect(yield* ProcessContext.activeChildren).toEqual([])
      }).pipe(provide))

    it.live("large arguments and results cross intact, from synchronous and asynchronous targets", () =>
      Effect.gen(function*() {
        const big = new Float64Array(1 << 18).map((_, i) => i * 0.5) // 2 MiB: many pipe buffers' worth
        const text = "x".repeat(3 << 20)
        const sync = yield* Process.run({ target: (a: Float64Array, s: string) => [a, s.length] as const, args: [big, text] })
        expect(sync[0]).toEqual(big)
        expect(sync[1]).toBe(text.length)
        const later = yield* Process.run({
          target: async (s: string) => {
            await new Promise((resolve) => setTimeout(resolve, 10))
            return s + s
          },
          args: [text]
        })
        expect(later.length).toBe(2 * text.length)
      }).pipe(provide))

    it.live("waiting on a sentinel before start fails; after start it is ready at the exit", () =>
      Effect.gen(function*() {
        const p = yield* Process.make({ target: () => new Promise((resolve) => setTimeout(resolve, 200)) })
        expect((yield* p.sentinel.await.pipe(Effect.flip))._tag).toBe("ProcessStateError")
        yield* p.start
        expect(yield* p.sentinel.isReady).toBe(false)
        yield* p.sentinel.await
        expect(yield* p.sentinel.isReady).toBe(true)
        expect(p.exitCode).toBe(0)
      }).pipe(Effect.scoped, provide))

    it.live("several children run in parallel", () =>
      Effect.gen(function*() {
        const pids = yield* Effect.all(
          [1, 2, 3, 4].map((i) =>
            Process.run({
              target: async (n: number) => {
                await new Promise((resolve) => setTimeout(resolve, 300))
                return [n, `${process.pid}:${require("node:worker_threads").threadId}`] as const
              },
              args: [i]
            })
          ),
          { concurrency: "unbounded" }
        )
        expect(pids.map(([n]) => n)).toEqual([1, 2, 3, 4])
        expect(new Set(pids.map(([, who]) => who)).size).toBe(4)
      }).pipe(provide))
})

describe("Process (Effect face)", () => {
  it.live("bad input fails with a typed error naming the problem", () =>
    Effect.gen(function*() {
      const missingModule = yield* Process.start({
        target: Target.moduleExport(new URL("./fixtures/no-such-file.js", import.meta.url), "f")
      }).pipe(Effect.flip)
      expect(missingModule._tag).toBe("InvalidTargetError")
      expect(missingModule.message).toContain("no-such-file")

      const missingExport = yield* Process.run({ target: Target.moduleExport(new URL("./fixtures/tasks.mjs", import.meta.url), "nope") })
        .pipe(Effect.flip)
      expect(missingExport._tag).toBe("InvalidTargetError")
      expect(missingExport.message).toContain('"nope"')
      expect(missingExport.message).toContain("cube")

      // The child loads the packages a TypeScript module imports before tsx's hooks, ignoring what fails
      // there: the module's own import must still fail, and be reported.
      const brokenImport = yield* Process.run({ target: Target.moduleExport(new URL("./fixtures/broken-import.ts", import.meta.url), "useMissing") })
        .pipe(Effect.flip)
      expect(brokenImport._tag).toBe("InvalidTargetError")
      expect(brokenImport.message).toContain("NoSuchModule")
      expect(brokenImport.message).toContain("imported from") // by the module, not by the child's preload
      expect(brokenImport.message).toContain("broken-import.ts")

      const notAFunction = yield* Process.run({ target: Target.moduleExport(new URL("./fixtures/tasks.ts", import.meta.url), "notAFunction") })
        .pipe(Effect.flip)
      expect(notAFunction._tag).toBe("InvalidTargetError")
      expect(notAFunction.message).toContain("number, not a function")

      const unserializable = yield* Process.start({ target: (f: unknown) => f, args: [() => 1] }).pipe(Effect.flip)
      expect(unserializable._tag).toBe("SerializationError")
      expect(unserializable.message).toBe(
        "the arguments of target cannot be sent to a child process: a function (at args[0]) is not data: send the data " +
          "it needs instead, and run the function as a Process or Pool target (a module export, or an inline function) where it is needed"
      )

      const unserializableResult = yield* Process.run({ target: () => ({ key: Symbol("s") }) }).pipe(Effect.flip)
      expect(unserializableResult._tag).toBe("SerializationError")
      expect(unserializableResult.message).toBe(
        "the value returned by target cannot be sent to the parent: the symbol s (at result.key) is not data: " +
          "a symbol is unique to its process; send a string instead"
      )

      const offset = 10
      const closure = yield* Process.start({ target: (x: number) => x + offset, args: [1] }).pipe(Effect.flip)
      expect(closure._tag).toBe("UnportableFunctionError")
      expect(closure).toMatchObject({ unresolved: ["offset"] })
      // A local value: passing it in is the advice; importing is for names that look imported.
      expect(closure.message).toContain("To fix it:\n  - pass `offset` in as an argument\n  - or use a module target")
      expect(closure.message).not.toMatch(/- import /)
    }).pipe(Effect.scoped, provide))

  it.live("the free-variable check's advice fits each name: a function, a built-in's named import, the library's own", () =>
    Effect.gen(function*() {
      const refused = yield* Process.start({
        target: (text: string) => label(createHash("sha256").update(text).digest("hex")) + Process.isProcess(null),
        args: ["x"]
      }).pipe(Effect.flip)
      expect(refused._tag).toBe("UnportableFunctionError")
      expect(refused).toMatchObject({ unresolved: ["label", "createHash", "Process"] })
      expect(refused.message.split("\n").slice(1)).toEqual([
        "  - define `label` inside the function: a function cannot be passed in as an argument",
        '  - import `createHash` inside the function: `const { createHash } = require("node:crypto")` or `await import("node:crypto")`',
        '  - import `Process` inside the function: `const { Process } = await import("effect-multiprocessing")` (the function becomes async)',
        "  - or use a module target (`Target.module(...)`): the child imports your module itself, with its imports and functions."
      ])

      // The advice works: the same function with its imports and helper inside runs in the child. Built from
      // source text, since vitest would rewrite the dynamic import in this file.
      const advised = yield* Process.run({
        target: (0, eval)(`(async (text) => {
          const { createHash } = require("node:crypto")
          const { Process } = await import("effect-multiprocessing")
          const label = (hex) => "sha256:" + hex.slice(0, 8)
          return label(createHash("sha256").update(text).digest("hex")) + Process.isProcess(null)
        })`) as (text: string) => Promise<string>,
        args: ["x"]
      })
      expect(advised).toBe(label(createHash("sha256").update("x").digest("hex")) + "false")
    }).pipe(Effect.scoped, provide))

  it.live("bad arguments: args that are not an array fail with TypeError, join(NaN) with ValueError", () =>
    Effect.gen(function*() {
      const error = yield* Process.make({ target: (x: number) => x, args: 42 as unknown as [number] }).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "TypeError", message: expect.stringContaining("args must be an array") })
      const p = yield* Process.start({ target: () => 1 })
      expect(yield* p.join(Number.NaN).pipe(Effect.flip)).toMatchObject({ _tag: "ValueError", message: expect.stringContaining("NaN") })
      expect(yield* p.join()).toBe(0)
    }).pipe(Effect.scoped, provide))

  it.live("a result Schema decodes the value into class instances, or fails with what is wrong", () =>
    Effect.gen(function*() {
      class Point extends Schema.Class<Point>("Point")({ x: Schema.Number, y: Schema.Number }) {
        get norm() {
          return Math.hypot(this.x, this.y)
        }
      }
      const point = yield* Process.run({ target: () => ({ x: 3, y: 4 }), result: Point })
      expect(point).toBeInstanceOf(Point)
      expect(point.norm).toBe(5)
      const bad = yield* Process.run({ target: () => ({ x: "3" }), result: Point }).pipe(Effect.either)
      expect(Either.isLeft(bad) && bad.left._tag).toBe("SerializationError")
    }).pipe(provide))

  it.live("garbage from a child on its control channel is no outcome, and the parent carries on", () =>
    Effect.gen(function*() {
      const error = yield* Process.run({
        target: () => {
          require("node:fs").writeSync(3, Buffer.from([0xff, 0xff, 0xff, 0xf0, 1, 2, 3]))
          return new Promise(() => {})
        }
      }).pipe(Effect.timeout("10 seconds"), Effect.flip)
      // The malformed frame closes the channel; the child, watching it, exits.
      expect(error._tag).toBe("ProcessExitedError")
    }).pipe(provide))

  it.live("a child waits for the non-daemon children its target started; a daemon may not start any", () =>
    Effect.gen(function*() {
      const started = Date.now()
      const grandchild = yield* Process.run({ target: tasks.startWorkerAndReturn, args: [500] })
      expect(Date.now() - started).toBeGreaterThanOrEqual(500)
      expect(isRunning(grandchild)).toBe(false)

      const refused = yield* Process.run({ daemon: true, target: tasks.startChild }).pipe(Effect.flip)
      // The library's error raised in the child arrives as itself.
      expect(refused).toBeInstanceOf(ProcessStateError)
      expect(refused._tag).toBe("ProcessStateError")
      expect(refused.message).toContain("daemonic processes are not allowed to have children")
    }).pipe(provide))
})
