/**
 * What the "thread" start method does its own way: a child that is a worker
 * thread of this process (same pid, its own thread id and module state), how
 * it ends, and what it shares with this process (descriptors handed over as
 * copies, shared objects reached as from a process). The behaviour shared with
 * processes runs under both start methods in Process.test.ts.
 */
import { threadId as mainThreadId, Worker } from "node:worker_threads"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Lock as EffectLock, NodeMultiprocessing, Process as EffectProcess, ProcessQueue } from "effect-multiprocessing"
import {
  currentProcess,
  getContext,
  Pipe,
  Process,
  ProcessExitedError,
  RemoteError,
  ThreadPool,
  TimeLimitExceeded,
  WorkerLostError
} from "effect-multiprocessing/compat"
import { firstLine, fixture } from "./support/processes.js"

const { Process: ThreadProcess } = getContext("thread")

describe("the thread start method", () => {
  it("a thread child has this process's pid, its own thread id and identity, and a living parent", async () => {
    // Source text: vitest would rewrite a dynamic import written in this file.
    const describeSelf = (0, eval)(`(async () => {
      const { currentProcess, parentProcess } = await import("effect-multiprocessing/compat")
      const parent = parentProcess()
      return {
        pid: process.pid,
        threadId: require("node:worker_threads").threadId,
        name: currentProcess().name,
        parentPid: parent?.pid,
        parentAlive: parent?.isAlive()
      }
    })`) as () => Promise<Record<string, unknown>>
    const p = new ThreadProcess({ target: describeSelf, name: "thread-a" })
    expect(p.threadId).toBeUndefined()
    p.start()
    expect(p.pid).toBe(process.pid)
    expect(typeof p.threadId).toBe("number")
    expect(await p.join()).toBe(0)
    expect(await p.result()).toEqual({
      pid: process.pid,
      threadId: p.threadId,
      name: "thread-a",
      parentPid: process.pid,
      parentAlive: true
    })
    expect(currentProcess().name).toBe("MainProcess")
  })

  it("a thread child loads none of the modules its bootstrap defers (node:module and the ES module loader it brings, url, os) unless a bare worker does; require is made at its first use", async () => {
    const deferred = [
      "NativeModule module",
      "NativeModule internal/modules/esm/loader",
      "NativeModule url",
      "NativeModule os"
    ]
    const bare = await new Promise<Array<string>>((resolve, reject) => {
      const worker = new Worker("require('node:worker_threads').parentPort.postMessage(process.moduleLoadList)", { eval: true })
      worker.once("message", resolve)
      worker.once("error", reject)
    })
    const target = () => {
      const before = [...(process as unknown as { moduleLoadList: Array<string> }).moduleLoadList]
      const sep = require("node:path").sep as string
      return { before, made: (process as unknown as { moduleLoadList: Array<string> }).moduleLoadList.includes("NativeModule module"), sep }
    }
    const p = new ThreadProcess({ target })
    p.start()
    expect(await p.join()).toBe(0)
    const { before, made, sep } = (await p.result()) as { before: Array<string>; made: boolean; sep: string }
    expect(deferred.filter((name) => before.includes(name) && !bare.includes(name))).toEqual([])
    expect({ made, sep }).toEqual({ made: true, sep: "/" })
    p.close()
  })

  it("process.exit(n) in a thread ends only that thread, with n; this process carries on", async () => {
    const p = new ThreadProcess({ target: (code: number) => process.exit(code), args: [9] })
    p.start()
    expect(await p.join()).toBe(9)
    await expect(p.result()).rejects.toBeInstanceOf(ProcessExitedError)
    // This process still starts and runs children: it was not the one that exited.
    const after = new ThreadProcess({ target: () => "still here" })
    after.start()
    expect(await after.join()).toBe(0)
    expect(await after.result()).toBe("still here")
  })

  it("terminate() ends even a thread busy in synchronous code (-15, as a process reports); kill() gives -9", async () => {
    const busy = new ThreadProcess({
      target: () => {
        for (;;);
      }
    })
    busy.start()
    expect(await busy.join(0.2)).toBeNull()
    expect(busy.isAlive()).toBe(true)
    busy.terminate()
    expect(await busy.join()).toBe(-15)
    expect(busy.isAlive()).toBe(false)
    await expect(busy.result()).rejects.toBeInstanceOf(ProcessExitedError)

    const waiting = new ThreadProcess({ target: () => new Promise(() => {}) })
    waiting.start()
    waiting.kill()
    expect(await waiting.join()).toBe(-9)
    // Ending a thread that already ended changes nothing.
    waiting.terminate()
    expect(waiting.exitCode).toBe(-9)
  })

  it("a failure, and an error left uncaught in a timer, end the thread with 1", async () => {
    const raised = new ThreadProcess({
      target: () => {
        throw new RangeError("expected failure in a test")
      }
    })
    raised.start()
    expect(await raised.join()).toBe(1)
    const error = await raised.result().catch((error: unknown) => error)
    expect(error).toBeInstanceOf(RemoteError)
    expect(error).toMatchObject({ type: "RangeError", message: "expected failure in a test", pid: process.pid })

    const uncaught = new ThreadProcess({
      target: () => {
        setTimeout(() => {
          throw new Error("expected uncaught error in a test")
        }, 1)
        return new Promise(() => {})
      }
    })
    uncaught.start()
    expect(await uncaught.join()).toBe(1)
  })

  it("a thread is refused process.chdir (a process-wide change), as Node refuses it in workers", async () => {
    const p = new ThreadProcess({ target: () => process.chdir("/") })
    p.start()
    expect(await p.join()).toBe(1)
    await expect(p.result()).rejects.toMatchObject({ message: expect.stringContaining("process.chdir() is not supported in workers") })
    expect(process.cwd()).not.toBe("/")
  })

  it("a Pipe end handed to a thread is its own: the parent closing its copy leaves the thread's working", async () => {
    const [here, there] = await Pipe()
    const p = new ThreadProcess({
      target: async (conn: { recv(): Promise<unknown>; send(value: unknown): Promise<void> }) => {
        const asked = (await conn.recv()) as number
        await conn.send(asked * 2)
        return "replied"
      },
      args: [there]
    })
    p.start()
    there.close()
    await here.send(21)
    expect(await here.recv()).toBe(42)
    expect(await p.join()).toBe(0)
    expect(await p.result()).toBe("replied")
    here.close()
  })

  // The Effect face here: its objects are released with their Scope (a compat object lives until collected).
  it.live("a Lock is shared with a thread: the thread waits while this process holds it", () =>
    Effect.gen(function*() {
      const lock = yield* EffectLock.make()
      const tried = yield* ProcessQueue.make<boolean>()
      yield* lock.acquire()
      // Source text: vitest would rewrite a dynamic import written in this file.
      const target = (0, eval)(`(async (lock, report) => {
        const { Effect } = await import("effect")
        return Effect.gen(function*() {
          yield* report.put(yield* lock.acquire({ timeout: "100 millis" }).pipe(Effect.catchTag("TimeoutError", () => Effect.succeed(false))))
          const later = yield* lock.acquire({ timeout: "30 seconds" })
          yield* lock.release
          return later
        })
      })`) as (lock: EffectLock.Lock, report: ProcessQueue.Queue<boolean>) => Promise<boolean>
      const p = yield* EffectProcess.start({ target, args: [lock, tried], startMethod: "thread" })
      expect(yield* tried.get({ timeout: "30 seconds" })).toBe(false)
      yield* lock.release
      expect(yield* p.join()).toBe(0)
      expect(yield* p.result).toBe(true)
      // Released by the thread: free here again.
      expect(yield* lock.acquire({ timeout: "5 seconds" })).toBe(true)
      yield* lock.release
    }).pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))

  it.live("a Queue carries items from a thread, in order", () =>
    Effect.gen(function*() {
      const queue = yield* ProcessQueue.make<number>()
      const target = (0, eval)(`(async (q, n) => {
        const { Effect } = await import("effect")
        return Effect.forEach(Array.from({ length: n }, (_, i) => i), (i) => q.put(i), { discard: true })
      })`) as (q: ProcessQueue.Queue<number>, n: number) => Promise<void>
      const p = yield* EffectProcess.start({ target, args: [queue, 200], startMethod: "thread" })
      const got: Array<number> = []
      for (let i = 0; i < 200; i++) got.push(yield* queue.get({ timeout: "30 seconds" }))
      expect(got).toEqual(Array.from({ length: 200 }, (_, i) => i))
      expect(yield* p.join()).toBe(0)
    }).pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))

  it("the start method is per object: a Process option beside the process-wide setting, in the Effect face", () =>
    Effect.gen(function*() {
      const threaded = yield* EffectProcess.run({ target: () => process.pid, startMethod: "thread" })
      const spawned = yield* EffectProcess.run({ target: () => process.pid, startMethod: "spawn" })
      expect(threaded).toBe(process.pid)
      expect(spawned).not.toBe(process.pid)
      const compat = new Process({ target: () => require("node:worker_threads").isMainThread, startMethod: "thread" })
      compat.start()
      expect(yield* Effect.promise(() => compat.result())).toBe(false)
    }).pipe(Effect.provide(NodeMultiprocessing.layer), Effect.runPromise))

  it("a program stays for its non-daemon threads, not for daemon ones", async () => {
    const started = Date.now()
    const { child: program, line } = await firstLine([fixture("thread-daemon-parent.mjs")])
    const { daemon, worker } = JSON.parse(line) as { daemon: number; worker: number }
    expect(daemon).not.toBe(worker)
    let output = ""
    program.stdout!.on("data", (chunk) => (output += chunk))
    if (program.exitCode === null) await new Promise((resolve) => program.on("exit", resolve))
    expect(program.exitCode).toBe(0)
    expect(output).toContain("worker done")
    expect(Date.now() - started).toBeGreaterThanOrEqual(400)
  })

  it("ThreadPool: workers are threads; a crash is a WorkerLostError, a hard limit ends a busy thread, maxtasksperchild recycles", async () => {
    await using pool = new ThreadPool(1, { maxtasksperchild: 2 })
    expect(pool.pids).toEqual([process.pid])
    const threadIds: Array<number> = []
    for (let i = 0; i < 5; i++) threadIds.push(await pool.apply(() => require("node:worker_threads").threadId as number))
    expect(threadIds[0]).toBe(threadIds[1])
    expect(threadIds[2]).toBe(threadIds[3])
    expect(new Set(threadIds).size).toBe(3)
    expect(threadIds).not.toContain(mainThreadId)

    await expect(pool.apply(() => process.exit(3))).rejects.toBeInstanceOf(WorkerLostError)
    await expect(pool.apply(() => {
      for (;;);
    }, [], { timeout: 0.2 })).rejects.toBeInstanceOf(TimeLimitExceeded)
    // Replaced each time: the pool goes on.
    expect(await pool.map((x: number) => x * 2, [1, 2, 3])).toEqual([2, 4, 6])
  })

  it("ThreadPool over shared-memory rings: a payload larger than a ring crosses both ways; a worker dying mid-batch keeps the results it sent", async () => {
    await using pool = new ThreadPool(1)
    // 3 MiB each way, three times a ring, between small tasks sent in the same batch: all in order.
    const big = "x".repeat(3 * 1024 * 1024)
    const around = [pool.applyAsync((x: number) => x + 1, [1]), pool.applyAsync((s: string) => s + s.length, [big]), pool.applyAsync((x: number) => x + 1, [2])]
    const [before, echoed, after] = await Promise.all(around.map((result) => result.get()))
    expect([before, after]).toEqual([2, 3])
    expect(echoed).toBe(big + big.length)
    // Tasks before the crash answered, its own lost, those after it run on the replacement.
    const tenfold = (x: number) => (x === 0 ? process.exit(5) : x * 10)
    // Measured quick first, so the next five leave together in one batch.
    expect(await pool.map(tenfold, [1, 2, 3])).toEqual([10, 20, 30])
    const results = [1, 2, 0, 3, 4].map((x) => pool.applyAsync(tenfold, [x]).get().then((value) => ({ value }), (error) => ({ error })))
    const settled = await Promise.all(results)
    expect(settled.map((r) => ("value" in r ? r.value : undefined))).toEqual([10, 20, undefined, 30, 40])
    const lost = settled[2]
    expect("error" in lost && lost.error).toBeInstanceOf(WorkerLostError)
    expect("error" in lost && (lost.error as WorkerLostError).exitCode).toBe(5)
  })

  it("a thread's memory limit is --max-old-space-size in execArgv (as resource limits): running out is a WorkerLostError", async () => {
    await using pool = new ThreadPool(1, { execArgv: ["--max-old-space-size=32"] })
    const hoard = () => {
      const kept: Array<Array<number>> = []
      for (;;) kept.push(Array.from({ length: 100_000 }, (_, i) => i))
    }
    await expect(pool.apply(hoard)).rejects.toBeInstanceOf(WorkerLostError)
    // The process is untouched and the worker replaced.
    expect(await pool.apply((x: number) => x + 1, [1])).toBe(2)
  })
})
