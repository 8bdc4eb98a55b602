/**
 * The shared-memory addon (native/shm.c through src/internal/native/native.ts): segments mapped by
 * several real processes, Atomics exact across them, futex wait/wake across them, asynchronous waits
 * served by the addon's own waiter threads (futex_waitv, and the thread-per-wait fallback of older
 * kernels), and nothing left in /dev/shm.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import { afterAll, describe, expect, it } from "vitest"
import type * as NativeModule from "../../../src/internal/native/native.js"
import type * as PrivateDirectoryModule from "../../../src/internal/thisProcess/privateDirectory.js"
import { fixture, projectRoot, waitUntil } from "../../support/processes.js"

const dist = (file: string) => new URL(`../../../dist/${file}`, import.meta.url).href
const { native: loaded, nativeMissing }: typeof NativeModule = await import(dist("internal/native/native.js"))
const PrivateDirectory: typeof PrivateDirectoryModule = await import(dist("internal/thisProcess/privateDirectory.js"))

const disabled = process.env.EFFECT_MULTIPROCESSING_NATIVE === "0"
const ourSegments = (pid: number = process.pid) =>
  fs.existsSync("/dev/shm") ? fs.readdirSync("/dev/shm").filter((name) => new RegExp(`^emp-[a-z]+-${pid}-`).test(name)) : []

afterAll(() => {
  expect(ourSegments(), "segments left in /dev/shm by this test file").toEqual([])
})

it("the addon is loaded on Linux (unless EFFECT_MULTIPROCESSING_NATIVE=0 disables it)", () => {
  if (process.platform === "linux" && !disabled) expect(nativeMissing).toBeUndefined()
  expect(loaded === undefined).toBe(nativeMissing !== undefined)
  if (disabled) expect(nativeMissing).toContain("EFFECT_MULTIPROCESSING_NATIVE=0")
})

describe.runIf(loaded !== undefined)("shared memory segments", () => {
  const native = loaded!

  /** A fresh segment for one test, unlinked and closed when it ends. */
  const withSegment = async (size: number, use: (name: string, words: Int32Array) => Promise<void> | void) => {
    const name = PrivateDirectory.segmentName("test")
    const buffer = native.create(name, size)
    try {
      await use(name, new Int32Array(buffer))
    } finally {
      native.unlink(name)
      PrivateDirectory.segmentUnlinked(name)
      native.close(buffer)
    }
  }

  interface Peer {
    readonly child: ChildProcess
    readonly lines: Array<unknown>
    readonly exited: Promise<number | null>
  }

  const peer = (args: Array<string>, env: Record<string, string> = {}): Peer => {
    const child = spawn(process.execPath, [fixture("shm-peer.mjs"), ...args], {
      cwd: projectRoot,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"]
    })
    const lines: Array<unknown> = []
    let out = ""
    child.stdout!.on("data", (chunk) => {
      out += chunk
      for (let end = out.indexOf("\n"); end >= 0; end = out.indexOf("\n")) {
        lines.push(JSON.parse(out.slice(0, end)))
        out = out.slice(end + 1)
      }
    })
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
    return { child, lines, exited }
  }

  it("create zero-fills, attach maps the same memory, names are exclusive, and a closed buffer is detached", async () => {
    await withSegment(8192, (name, words) => {
      expect(words.length).toBe(2048)
      expect(words.every((word) => word === 0)).toBe(true)
      const other = native.attach(name)
      expect(other.byteLength).toBe(8192)
      Atomics.store(words, 5, 42)
      expect(new Int32Array(other)[5]).toBe(42)
      expect(() => native.create(name, 16)).toThrow(expect.objectContaining({ code: "EEXIST" }))
      native.close(other)
      expect(other.byteLength).toBe(0) // detached, not a dangling mapping
      expect(words[5]).toBe(42) // the other mapping stays
    })
    expect(() => native.attach("/emp-test-0-absent")).toThrow(expect.objectContaining({ code: "ENOENT" }))
    expect(() => native.create("/emp-test-0-empty", 0)).toThrow(RangeError)
  })

  it("Atomics.add across 3 processes on one segment gives the exact total", async () => {
    await withSegment(4096, async (name, words) => {
      const times = 1_000_000
      const peers = [0, 1, 2].map(() => peer(["add", name, String(times)]))
      while (Atomics.load(words, 2) < peers.length) native.wait(words, 2, Atomics.load(words, 2), 50)
      Atomics.store(words, 3, 1)
      native.wake(words, 3, peers.length)
      expect(await Promise.all(peers.map((p) => p.exited))).toEqual([0, 0, 0])
      expect(Atomics.load(words, 0)).toBe(3 * times)
    })
  })

  it("a blocking wait in one process is woken by another", async () => {
    await withSegment(4096, async (name, words) => {
      const waiter = peer(["wait", name, "-1"])
      // Announced, then waiting; wake until it was woken (it may announce before it sleeps).
      while (Atomics.load(words, 1) === 0) native.wait(words, 1, 0, 50)
      Atomics.store(words, 0, 1)
      let woken = 0
      while (woken === 0 && waiter.child.exitCode === null) {
        woken = native.wake(words, 0, 1)
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      expect(await waiter.exited).toBe(0)
      expect(waiter.lines).toEqual([{ result: expect.stringMatching(/^(ok|not-equal)$/), value: 1 }])
    })
  })

  it("wait tells not-equal and timed-out as Atomics.wait does", async () => {
    await withSegment(4096, (_name, words) => {
      Atomics.store(words, 0, 7)
      expect(native.wait(words, 0, 6, -1)).toBe("not-equal")
      expect(native.wait(words, 0, 6, 0)).toBe("not-equal")
      expect(native.wait(words, 0, 7, 20)).toBe("timed-out")
      expect(native.wake(words, 0, 1)).toBe(0)
      expect(() => native.wait(words, 1024, 0, 0)).toThrow(RangeError)
      expect(() => native.wait(new Float64Array(2) as unknown as Int32Array, 0, 0, 0)).toThrow(TypeError)
    })
  })

  for (const kernel of ["futex_waitv", "thread per wait"] as const) {
    const env: Record<string, string> = kernel === "futex_waitv" ? {} : { EFFECT_MULTIPROCESSING_FUTEX_WAITV: "0" }

    describe(`waitAsync (${kernel})`, () => {
      it("is woken (from another process; in the fallback's child, from its JS thread), times out, is cancelled, and is cancelled by close", async () => {
        // This process loaded the addon with futex_waitv (where the kernel has it); the fallback runs in a child.
        if (kernel === "thread per wait") {
          const child = peer(["async-suite", "-"], env)
          expect(await child.exited).toBe(0)
          expect(child.lines).toEqual([{ woken: "ok", timedOut: "timed-out", cancelled: "cancelled", closed: "cancelled", notEqual: "not-equal" }])
          return
        }
        await withSegment(4096, async (name, words) => {
          const woken = new Promise((resolve) => native.waitAsync(words, 0, 0, -1, resolve))
          const waker = peer(["wake", name, "0"])
          expect(await waker.exited).toBe(0)
          // The waker may wake before the waiter thread sleeps: then the changed word decides.
          expect(await woken).toBe("ok")
          expect(await new Promise((resolve) => native.waitAsync(words, 1, 0, 30, resolve))).toBe("timed-out")
          expect(await new Promise((resolve) => native.waitAsync(words, 0, 0, 30, resolve))).toBe("not-equal")
          const cancelled = new Promise((resolve) => {
            const ticket = native.waitAsync(words, 2, 0, -1, resolve)
            setTimeout(() => native.cancelWait(ticket), 20)
          })
          expect(await cancelled).toBe("cancelled")
        })
        const name = PrivateDirectory.segmentName("test")
        const buffer = native.create(name, 4096)
        native.unlink(name)
        PrivateDirectory.segmentUnlinked(name)
        const closed = new Promise((resolve) => native.waitAsync(new Int32Array(buffer), 0, 0, -1, resolve))
        native.close(buffer)
        expect(await closed).toBe("cancelled")
      })

      it("thousands of hand-overs between 2 processes with random delays finish and count exactly", async () => {
        await withSegment(4096, async (name, words) => {
          const rounds = 2500
          const blocking = peer(["handover", name, "0", String(rounds), "sync"])
          const asynchronous = peer(["handover", name, "1", String(rounds), "async"], env)
          expect(await Promise.all([blocking.exited, asynchronous.exited])).toEqual([0, 0])
          expect(Atomics.load(words, 0)).toBe(2 * rounds)
          expect(words[1]).toBe(2 * rounds)
        })
      })
    })
  }

  it("hand-overs around a ring of 4 processes (2 blocking, 2 asynchronous) with random delays finish and count exactly", async () => {
    await withSegment(4096, async (name, words) => {
      const rounds = 800
      const parties = [0, 1, 2, 3].map((position) => peer(["handover", name, String(position), String(rounds), position % 2 === 0 ? "sync" : "async", "4"]))
      expect(await Promise.all(parties.map((party) => party.exited))).toEqual([0, 0, 0, 0])
      expect(Atomics.load(words, 0)).toBe(4 * rounds)
      expect(words[1]).toBe(4 * rounds)
    })
  })

  it("300 pending waitAsync calls (more than one waiter thread's 127) are all woken", async () => {
    await withSegment(4096, async (_name, words) => {
      const results = Array.from({ length: 300 }, (_, i) => new Promise((resolve) => native.waitAsync(words, i, 0, -1, resolve)))
      await new Promise((resolve) => setTimeout(resolve, 20))
      for (let i = 0; i < 300; i++) {
        Atomics.store(words, i, 1)
        native.wake(words, i, 1)
      }
      expect(await Promise.all(results)).toEqual(Array(300).fill("ok"))
    })
  })

  it("a worker thread terminated with waits pending leaves the addon working in this thread", async () => {
    await withSegment(4096, async (name, words) => {
      const { Worker } = await import("node:worker_threads")
      const worker = new Worker(
        `const { workerData, parentPort } = require("node:worker_threads")
        import(workerData.url).then(({ native }) => {
          const words = new Int32Array(native.attach(workerData.name))
          for (let i = 0; i < 10; i++) native.waitAsync(words, i, 0, -1, () => {})
          parentPort.postMessage("waiting")
        })`,
        { eval: true, workerData: { url: dist("internal/native/native.js"), name } }
      )
      await new Promise((resolve) => worker.once("message", resolve))
      await worker.terminate()
      const woken = new Promise((resolve) => native.waitAsync(words, 0, 0, -1, resolve))
      Atomics.store(words, 0, 1)
      native.wake(words, 0, 1)
      expect(await woken).toBe("ok")
    })
  })

  it("pending waitAsync calls do not hold libuv's threadpool: fs.promises.readFile completes while 8 wait", async () => {
    await withSegment(4096, async (_name, words) => {
      const results: Array<string> = []
      const tickets = Array.from({ length: 8 }, (_, i) => native.waitAsync(words, i, 0, 30_000, (result) => results.push(result)))
      // On the threadpool these would hold its 4 threads until they time out, and the read would wait for that.
      const read = await fs.promises.readFile(new URL(import.meta.url))
      expect(read.length).toBeGreaterThan(0)
      expect(results).toEqual([]) // all still pending when the read completed
      for (const ticket of tickets) native.cancelWait(ticket)
      await waitUntil(() => results.length === 8, 10_000)
      expect(results).toEqual(Array(8).fill("cancelled"))
    })
  })

  it("a segment named after a process killed with SIGKILL is removed", async () => {
    const leaver = peer(["leave", "-"])
    await waitUntil(() => leaver.lines.length > 0, 30_000)
    const { name } = leaver.lines[0] as { name: string }
    expect(fs.existsSync(`/dev/shm${name}`)).toBe(true)
    leaver.child.kill("SIGKILL")
    await leaver.exited
    expect(await waitUntil(() => !fs.existsSync(`/dev/shm${name}`), 20_000)).toBe(true)
  })
})
