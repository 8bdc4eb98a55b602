/** Semaphore and BoundedSemaphore (src/Semaphore.ts): permits in the owner and across processes, bad values. */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, FastCheck as fc, Fiber } from "effect"
import { Barrier, Lock, NodeMultiprocessing, Process, Semaphore } from "effect-multiprocessing"
import * as compat from "effect-multiprocessing/compat"
import { tempDir as makeTempDir } from "./support/tempDir.js"

const tempDir = makeTempDir("emp-sync-test-")

describe("Semaphore and BoundedSemaphore in the owner (Effect face)", () => {
  it.scopedLive("BoundedSemaphore refuses a release past its initial value; Semaphore does not; bad values fail", () =>
    Effect.gen(function*() {
      const bounded = yield* Semaphore.makeBounded(2)
      yield* bounded.acquire()
      yield* bounded.release
      expect((yield* bounded.release.pipe(Effect.flip))._tag).toBe("ValueError")
      const plain = yield* Semaphore.make(2)
      yield* plain.release
      expect(yield* plain.getValue).toBe(3)
      expect((yield* Semaphore.make(-1).pipe(Effect.flip)).message).toContain("non-negative integer")
    }))

  it.scopedLive.prop(
    "random interleavings of acquire, release and interrupt leave a Lock, Semaphore or BoundedSemaphore consistent",
    [
      fc.constantFrom("Lock", "Semaphore", "BoundedSemaphore"),
      fc.integer({ min: 1, max: 3 }),
      fc.array(fc.constantFrom("acquire", "release", "interrupt", "tryAcquire", "timedAcquire"), { maxLength: 40 })
    ],
    ([kind, requested, steps]) =>
      Effect.gen(function*() {
        const initial = kind === "Lock" ? 1 : requested
        const sem = kind === "Lock"
          ? yield* Lock.make()
          : kind === "Semaphore"
          ? yield* Semaphore.make(initial)
          : yield* Semaphore.makeBounded(initial)
        let held = 0
        const waiting: Array<Fiber.RuntimeFiber<boolean, unknown>> = []
        // A waiter that got its permit before we looked is holding it.
        const settle = (exit: Exit.Exit<boolean, unknown>) => {
          if (Exit.isSuccess(exit) && exit.value) held++
        }
        for (const step of steps) {
          if (step === "acquire") waiting.push(yield* Effect.fork(sem.acquire()))
          else if (step === "timedAcquire") waiting.push(yield* Effect.fork(sem.acquire({ timeout: "1 millis" })))
          else if (step === "tryAcquire") held += (yield* sem.acquire({ block: false })) ? 1 : 0
          else if (step === "interrupt" && waiting.length > 0) settle(yield* Fiber.interrupt(waiting.shift()!))
          else if (step === "release" && held > 0) {
            yield* sem.release
            held--
          }
          yield* Effect.yieldNow()
          expect(held).toBeLessThanOrEqual(initial)
        }
        for (const fiber of waiting) settle(yield* Fiber.interrupt(fiber))
        expect(yield* sem.getValue).toBe(initial - held)
        for (let i = 0; i < held; i++) yield* sem.release
        expect(yield* sem.getValue).toBe(initial)
      }),
    { fastCheck: { numRuns: 60 } }
  )
})

describe("across processes", () => {
  it.scopedLive("a Semaphore(2) lets exactly two processes in at a time", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const log = path.join(dir, "log")
      fs.writeFileSync(log, "")
      const sem = yield* Semaphore.make(2)
      const start = yield* Barrier.make(4) // all four contend from the same moment
      yield* Effect.all([1, 2, 3, 4].map(() =>
        Process.run({
          target: async (sem: any, start: any, log: string) => {
            const fs = await import("node:fs")
            const { Effect } = await import("effect")
            await Effect.runPromise(start.wait("20 seconds"))
            for (let i = 0; i < 3; i++) {
              await Effect.runPromise(sem.acquire())
              fs.appendFileSync(log, "+\n")
              await new Promise((resolve) => setTimeout(resolve, 30))
              fs.appendFileSync(log, "-\n")
              await Effect.runPromise(sem.release)
            }
          },
          args: [sem, start, log]
        })
      ), { concurrency: "unbounded" })
      let inside = 0
      let most = 0
      for (const line of fs.readFileSync(log, "utf8").trim().split("\n")) {
        inside += line === "+" ? 1 : -1
        most = Math.max(most, inside)
      }
      expect([most, inside]).toEqual([2, 0])
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))
})

describe("bad arguments fail at the call, naming what is wrong", () => {
  it.live("compat: a Semaphore's value, acquire's block and timeout (TypeError for a wrong type, ValueError for NaN or a negative value)", () =>
    Effect.promise(async () => {
      for (const Kind of [compat.Semaphore, compat.BoundedSemaphore]) {
        expect(() => new Kind("2" as never)).toThrow(compat.TypeError)
        expect(() => new Kind("2" as never)).toThrow(`a semaphore's initial value must be an integer, got "2" (a string)`)
        expect(() => new Kind(1.5)).toThrow(compat.TypeError)
        expect(() => new Kind(-1)).toThrow(compat.ValueError)
      }
      expect(() => new compat.Barrier("3" as never)).toThrow(compat.TypeError)
      expect(() => new compat.Condition({} as never)).toThrow(compat.TypeError)
      const lock = new compat.Lock()
      const refused = (work: Promise<unknown>) => work.then(() => undefined, (error) => ({ name: error.name, message: error.message }))
      expect(await refused(lock.acquire("yes" as never))).toEqual({ name: "TypeError", message: `acquire: block must be a boolean, got "yes" (a string)` })
      expect(await refused(lock.acquire(true, "1" as never))).toMatchObject({ name: "TypeError", message: expect.stringContaining("timeout") })
      expect(await refused(lock.acquire({ timeout: "1" as never }))).toMatchObject({ name: "TypeError" })
      expect(await refused(lock.acquire(true, NaN))).toMatchObject({ name: "ValueError", message: expect.stringContaining("NaN") })
      const event = new compat.Event()
      expect(await refused(event.wait("1" as never))).toMatchObject({ name: "TypeError" })
      expect(await lock.getValue()).toBe(1) // nothing was taken
      lock.close()
      event.close()
    }))

  it.live.prop("compat: anything but an integer as a Semaphore's value is a TypeError at construction", [fc.anything().filter((v) => typeof v !== "number" && v !== undefined && !(typeof v === "object" && v !== null && "kind" in v))], ([value]) =>
    Effect.sync(() => {
      expect(() => new compat.Semaphore(value as never)).toThrow(compat.TypeError)
    }))

  it.scopedLive("Effect face: Semaphore.make, acquire's options and Barrier.make", () =>
    Effect.gen(function*() {
      expect(yield* Effect.flip(Semaphore.make("2" as never))).toMatchObject({ _tag: "TypeError", message: `a semaphore's initial value must be an integer, got "2" (a string)` })
      expect((yield* Effect.flip(Semaphore.makeBounded(-1)))._tag).toBe("ValueError")
      expect((yield* Effect.flip(Barrier.make("3" as never)))._tag).toBe("TypeError")
      const lock = yield* Lock.make()
      expect(yield* Effect.flip(lock.acquire({ block: "yes" as never }))).toMatchObject({ _tag: "TypeError", message: `acquire: block must be a boolean, got "yes" (a string)` })
      expect((yield* Effect.flip(lock.acquire({ timeout: "soon" as never })))._tag).toBe("TypeError")
      expect((yield* Effect.flip(lock.acquire("yes" as never)))._tag).toBe("TypeError")
      expect((yield* Effect.flip(lock.acquire({ timeout: NaN })))._tag).toBe("ValueError")
      expect(yield* lock.getValue).toBe(1)
    }))
})
