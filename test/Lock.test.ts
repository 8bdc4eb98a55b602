/** Lock and RLock (src/Lock.ts), in their owner and across processes: ownership, leases, re-entry, interruption, an owner going away. */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { Condition, Lock, NodeMultiprocessing, Process, SharedValue, Target } from "effect-multiprocessing"
import * as compat from "effect-multiprocessing/compat"
import type * as Tasks from "./fixtures/tasks.js"
import { primitives } from "./support/backend.js"
import { tempDir as makeTempDir } from "./support/tempDir.js"

const tasks = Target.module<typeof Tasks>(new URL("./fixtures/tasks.ts", import.meta.url))

const tempDir = makeTempDir("emp-sync-test-")

describe("Lock combinators (Effect face)", () => {
  it.scopedLive("Lock.withLock, acquire and release, data-first and piped; a child's proxy pipes too", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make()
      expect(Lock.isLock(lock)).toBe(true)
      expect(Lock.isLock({ acquire: () => Effect.succeed(true) })).toBe(false)
      // Held while the effect runs, released after, in both forms.
      expect(yield* lock.getValue.pipe(Lock.withLock(lock))).toBe(0)
      expect(yield* Lock.withLock(lock.getValue, lock)).toBe(0)
      expect(yield* lock.getValue).toBe(1)
      expect(yield* lock.pipe(Lock.acquire())).toBe(true)
      expect(yield* Effect.fork(Lock.acquire(lock, { block: false })).pipe(Effect.flatMap(Fiber.join))).toBe(false)
      yield* Lock.release(lock)
      expect(yield* Effect.flip(lock.pipe(Lock.release))).toMatchObject({ _tag: "ValueError" })
      const held = yield* Process.run({
        target: (lock: Lock.Lock) => lock.pipe((self) => self.acquire({ block: false })),
        args: [lock]
      }).pipe(Effect.provide(NodeMultiprocessing.layer))
      expect(held).toBe(true)
    }))
})

describe("Lock and RLock in the owner (Effect face)", () => {
  it.scopedLive("acquire gives a boolean; non-blocking and timed acquires answer false when held", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make()
      expect(yield* lock.acquire()).toBe(true)
      expect(yield* lock.getValue).toBe(0)
      const other = yield* Effect.fork(lock.acquire({ block: false }))
      expect(yield* Fiber.join(other)).toBe(false)
      expect(yield* Effect.fork(lock.acquire({ timeout: "30 millis" })).pipe(Effect.flatMap(Fiber.join), Effect.flip)).toMatchObject({ _tag: "TimeoutError" })
      expect(yield* lock.acquire({ timeout: -1 }).pipe(Effect.fork, Effect.flatMap(Fiber.join), Effect.flip)).toMatchObject({ _tag: "TimeoutError" })
      yield* lock.release
      expect(yield* lock.getValue).toBe(1)
      expect(yield* lock.release.pipe(Effect.flip)).toMatchObject({ _tag: "ValueError", message: "semaphore or lock released too many times" })
    }))

  it.scopedLive("a Lock may be released by another owner; an RLock only by its holder, once per acquire", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make()
      yield* lock.acquire()
      yield* Lock.asOwner(lock.release)
      expect(yield* lock.getValue).toBe(1)

      const rlock = yield* Lock.makeRLock()
      yield* rlock.acquire()
      yield* rlock.acquire()
      expect((yield* Lock.asOwner(rlock.release).pipe(Effect.flip))._tag).toBe("NotOwnerError")
      expect(yield* Lock.asOwner(rlock.acquire({ block: false }))).toBe(false)
      // A fiber Effect forks on its own (a timeout here) acts for the same holder.
      expect(yield* rlock.acquire().pipe(Effect.timeout("1 second"))).toBe(true)
      yield* rlock.release
      yield* rlock.release
      expect(yield* rlock.getValue).toBe(0)
      yield* rlock.release
      expect(yield* rlock.getValue).toBe(1)
    }))

  it.scopedLive("interrupting a waiting acquire withdraws it: the permit goes to the next waiter", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make()
      yield* lock.acquire()
      const first = yield* Effect.fork(lock.acquire())
      const second = yield* Effect.fork(lock.acquire())
      yield* Effect.sleep("20 millis")
      yield* Fiber.interrupt(first)
      yield* lock.release
      expect(yield* Fiber.join(second)).toBe(true)
      expect(yield* lock.getValue).toBe(0)
    }))
})

describe("across processes", () => {
  it.scopedLive("a Lock keeps N processes × M read-modify-writes of a file exact (compat face in the children)", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "counter")
      fs.writeFileSync(file, "0")
      const lock = yield* Lock.make()
      const children = [1, 2, 3].map(() =>
        Process.run({
          target: async (lock: { acquire(): Promise<boolean>; release(): Promise<void> }, file: string, m: number) => {
            const fs = await import("node:fs")
            for (let i = 0; i < m; i++) {
              await lock.acquire()
              const n = Number(fs.readFileSync(file, "utf8"))
              fs.writeFileSync(file, String(n + 1))
              await lock.release()
            }
            return m
          },
          args: [new compat.Lock(lock as never), file, 60]
        })
      )
      expect(yield* Effect.all(children, { concurrency: "unbounded" })).toEqual([60, 60, 60])
      expect(fs.readFileSync(file, "utf8")).toBe("180")
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.scopedLive("a release is done at the owner before the child goes on: after the child's end the lock is free", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make()
      for (let round = 0; round < 5; round++) {
        yield* Process.run({
          target: async (lock: any) => {
            const { Effect } = await import("effect")
            return Effect.zipRight(lock.acquire(), lock.release)
          },
          args: [lock]
        })
        expect(yield* lock.acquire({ block: false })).toBe(true)
        yield* lock.release
      }
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.live("a child's release reaches the owner before what the child sends after it (the owner never finds it still held, and its own release of it is refused)", () =>
    Effect.promise(async () => {
      const lock = new compat.Lock()
      const bounded = new compat.BoundedSemaphore(1)
      const sem = new compat.Semaphore(0)
      const [here, there] = await compat.Pipe()
      const rounds = 200
      const child = new compat.Process({
        target: async (lock: any, bounded: any, sem: any, conn: any, rounds: number) => {
          for (let i = 0; i < rounds; i++) {
            await lock.acquire()
            await bounded.acquire()
            await conn.send("holding")
            await conn.recv()
            await lock.release()
            await bounded.release()
            await sem.release() // a Semaphore's release is posted even with nothing held
            await conn.send("released") // the owner, reading for this reply, may find it before the releases
            await conn.recv()
          }
        },
        args: [lock, bounded, sem, there, rounds]
      })
      child.start()
      there.close()
      const refusal = (release: Promise<void>) => release.then(() => "released", (e: any) => e.name)
      const seen: Array<string> = []
      for (let i = 0; i < rounds; i++) {
        expect(await here.recv()).toBe("holding")
        await here.send("release it")
        expect(await here.recv()).toBe("released")
        const lockRelease = await refusal(lock.release())
        const boundedRelease = await refusal(bounded.release())
        // Taken here too, so that the child's next acquire is not lent the lock: its release is posted again.
        const free = await lock.acquire(false)
        const raised = await sem.acquire(false)
        if (!free || !raised || lockRelease !== "ValueError" || boundedRelease !== "ValueError") {
          seen.push(`round ${i}: lock ${free ? "free" : "held"}, semaphore ${raised ? "raised" : "not raised"}, releases: lock ${lockRelease}, bounded ${boundedRelease}`)
        }
        if (free) await lock.release()
        await here.send("go")
      }
      expect(seen).toEqual([])
      expect(await child.join()).toBe(0)
      child.close()
      here.close()
      lock.close()
      bounded.close()
      sem.close()
    }))

  it.live("a child's release of a Lock the owner released meanwhile is refused: at once in shared memory, at its next use when served (the release was posted)", () =>
    Effect.promise(async () => {
      const lock = new compat.Lock()
      const [here, there] = await compat.Pipe()
      const child = new compat.Process({
        target: async (lock: any, conn: any) => {
          const refusal = (e: any) => `${e.name}: ${e.message}`
          await lock.acquire()
          await conn.send("held")
          await conn.recv() // meanwhile the owner released it: a Lock may be released by anyone
          const released = await lock.release().then(() => undefined, refusal)
          const next = await lock.getValue().then(() => "no error", refusal)
          await conn.send([released, next])
        },
        args: [lock, there]
      })
      child.start()
      there.close()
      expect(await here.recv()).toBe("held")
      await lock.release()
      await here.send("go on")
      const [released, next] = (await here.recv()) as [string | undefined, string]
      if (primitives === "served") expect([released, next]).toEqual([undefined, expect.stringMatching(/ValueError: .*released too many times/)])
      else expect([released, next]).toEqual([expect.stringMatching(/ValueError: .*released too many times/), "no error"])
      expect(await lock.getValue()).toBe(1)
      expect(await child.join()).toBe(0)
      child.close()
      here.close()
      lock.close()
    }))

  it.live("a process that exits holding a Lock or an RLock gives them back: nobody waits for ever", () =>
    Effect.promise(async () => {
      const lock = new compat.Lock()
      const rlock = new compat.RLock()
      const child = new compat.Process({
        target: async (lock: any, rlock: any) => {
          await lock.acquire()
          await rlock.acquire()
          await rlock.acquire()
          return [await lock.getValue(), await rlock.getValue()]
        },
        args: [lock, rlock]
      })
      child.start()
      expect(await child.result()).toEqual([0, 0]) // held when it exited
      await child.join()
      child.close()
      expect(await lock.acquire(true, 10)).toBe(true)
      expect(await rlock.acquire(true, 10)).toBe(true)
      await rlock.release()
      expect(await rlock.getValue()).toBe(1) // every level went with the process
      lock.close()
      rlock.close()
    }))

  it.scopedLive("an RLock's recursion and ownership hold for a child holding a proxy", () =>
    Effect.gen(function*() {
      const rlock = yield* Lock.makeRLock()
      const outcome = yield* Process.run({
        target: async (rlock: any) => {
          const { Effect } = await import("effect")
          // One fiber throughout: in the Effect face the holder of an RLock is a fiber.
          return Effect.gen(function*() {
            const first = yield* rlock.acquire()
            const again = yield* rlock.acquire()
            yield* rlock.release
            yield* rlock.release
            const tooMany = yield* Effect.flip(rlock.release)
            return { first, again, tooMany: (tooMany as { _tag: string })._tag }
          })
        },
        args: [rlock]
      })
      expect(outcome).toEqual({ first: true, again: true, tooMany: "NotOwnerError" })
      expect(yield* rlock.getValue).toBe(1)
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))
})

describe("a Lock whose owner goes away", () => {
  // Served: the lock lived in its owner, and goes with it. In shared memory it lives on in every
  // process that mapped it; its maker was also its holder here, and a waiter takes it from the dead.
  it.live(primitives === "served"
    ? "when a Lock's owner exits, a waiting acquire and every later call fail with OwnerGoneError naming it"
    : "when a Lock's maker exits holding it, a waiting acquire takes it over, and the lock goes on working", () =>
    Effect.promise(async () => {
      const [here, there] = await compat.Pipe()
      const child = new compat.Process({ target: tasks.lockOwnerThatLeaves, args: [there] })
      child.start()
      there.close()
      const { lock, note } = (await here.recv()) as { lock: compat.Lock; note: string }
      expect(note).toBe("held")
      expect(lock).toBeInstanceOf(compat.Lock)
      expect(await lock.acquire(false)).toBe(false)
      const waiting = lock.acquire()
      await here.send("go")
      if (primitives === "served") {
        const error = await waiting.then(() => undefined, (e) => e)
        expect(error).toBeInstanceOf(compat.OwnerGoneError)
        expect(error.message).toContain(`pid ${child.pid}`)
        expect(error.message).toContain("Lock")
        await expect(lock.release()).rejects.toBeInstanceOf(compat.OwnerGoneError)
      } else {
        expect(await waiting).toBe(true)
        await lock.release()
        expect(await lock.acquire(false)).toBe(true)
        await lock.release()
      }
      await child.join()
      child.close()
      here.close()
    }))
})

describe("interruption and cancellation", () => {
  it.scopedLive("withLock can be interrupted while it waits for the lock", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make()
      yield* lock.acquire()
      const timedOut = yield* lock.withLock(Effect.succeed("ran")).pipe(Effect.timeout("50 millis"), Effect.flip)
      expect(timedOut._tag).toBe("TimeoutException")
      yield* lock.release
      expect(yield* lock.withLock(Effect.succeed("ran"))).toBe("ran")
      expect(yield* lock.getValue).toBe(1)
    }))

  it.scopedLive("held keeps the lock for the rest of the Scope", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make()
      yield* Effect.scoped(Effect.gen(function*() {
        yield* lock.held
        expect(yield* lock.getValue).toBe(0)
      }))
      expect(yield* lock.getValue).toBe(1)
    }))

  it.scopedLive("a child's remote acquire that times out is withdrawn at the owner: the lock is not taken for it", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make()
      yield* lock.acquire()
      const outcome = yield* Process.run({
        target: async (lock: any) => {
          const { Effect } = await import("effect")
          return Effect.gen(function*() {
            const timedOut = yield* Effect.flip(Effect.timeout(lock.acquire(), "100 millis"))
            const again = yield* lock.acquire({ block: false })
            return { timedOut: (timedOut as { _tag: string })._tag, again }
          })
        },
        args: [lock]
      })
      expect(outcome).toEqual({ timedOut: "TimeoutException", again: false })
      yield* lock.release
      expect(yield* lock.getValue).toBe(1)
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))
})

describe("compat owners", () => {
  it.live("withLock bodies are tasks of their own: concurrent ones in one process exclude each other, and re-enter an RLock", () =>
    Effect.promise(async () => {
      const value = compat.Value("i", 0) // guarded by an RLock, as in Python
      await Promise.all(Array.from({ length: 20 }, () =>
        value.withLock(async () => {
          const seen = await value.get()
          await new Promise((resolve) => setTimeout(resolve, 1))
          await value.set(seen + 1)
        })))
      expect(await value.get()).toBe(20)
      const rlock = new compat.RLock()
      expect(await rlock.withLock(() => rlock.withLock(async () => "re-entered"))).toBe("re-entered")
      expect(await rlock.getValue()).toBe(1)
      value.close()
      rlock.close()
    }))
})

/** What `work` settles with, or "still waiting" if it has not after `seconds` (a deadlock shows as that, not as a hung test). */
const settledWithin = <T>(work: Promise<T>, seconds = 10): Promise<T | "still waiting"> =>
  Promise.race([work, new Promise<"still waiting">((resolve) => setTimeout(() => resolve("still waiting"), seconds * 1000).unref())])

describe("a bare acquire() and then withLock() in the same flow (Python's r.acquire(); with r:)", () => {
  /** Compat: acquire, then withLock, in one flow; gives what the body gave and whether the lock is free after. */
  const compatReenter = async (lock: any) => {
    await lock.acquire()
    const inside = await lock.withLock(async () => "re-entered")
    await lock.release()
    return inside
  }

  it.live("compat: re-enters an RLock, a Condition's and a Value's lock, in the owner and in a child holding proxies", () =>
    Effect.promise(async () => {
      const rlock = new compat.RLock()
      const cond = new compat.Condition()
      const value = compat.Value("i", 0)
      const valueLock = await value.getLock()
      for (const lock of [rlock, cond, valueLock]) {
        expect(await settledWithin(compatReenter(lock))).toBe("re-entered")
      }
      // The Value's own withLock, after a bare acquire of its lock.
      await valueLock.acquire()
      expect(await settledWithin(value.withLock(() => "re-entered"))).toBe("re-entered")
      await valueLock.release()
      expect([await rlock.getValue(), await valueLock.getValue()]).toEqual([1, 1])
      expect(await cond.acquire(false)).toBe(true)
      await cond.release()

      const child = new compat.Process({
        target: async (rlock: any, cond: any, value: any) => {
          const reenter = async (lock: any) => {
            await lock.acquire()
            const inside = await lock.withLock(async () => "re-entered")
            await lock.release()
            return inside
          }
          const valueLock = await value.getLock()
          await valueLock.acquire()
          const viaValue = await value.withLock(() => "re-entered")
          await valueLock.release()
          return [await reenter(rlock), await reenter(cond), await reenter(valueLock), viaValue]
        },
        args: [rlock, cond, value]
      })
      child.start()
      expect(await settledWithin(child.result(), 30)).toEqual(["re-entered", "re-entered", "re-entered", "re-entered"])
      expect([await rlock.getValue(), await valueLock.getValue()]).toEqual([1, 1])
      child.close()
      rlock.close()
      cond.close()
      value.close()
    }))

  it.scopedLive("Effect face: re-enters an RLock, a Condition's and a Value's lock, in the owner and in a child", () =>
    Effect.gen(function*() {
      const rlock = yield* Lock.makeRLock()
      const cond = yield* Condition.make()
      const value = yield* SharedValue.makeValue("i", 0)
      const reenter = (lock: Lock.Lock | Condition.Condition): Effect.Effect<string, unknown> =>
        Effect.zipLeft(Effect.zipRight(lock.acquire(), lock.withLock(Effect.succeed("re-entered"))), lock.release)
      const valueLock = yield* value.getLock
      for (const lock of [rlock, cond, valueLock]) {
        expect(yield* reenter(lock).pipe(Effect.timeoutTo({ duration: "10 seconds", onSuccess: (x) => x, onTimeout: () => "still waiting" }))).toBe("re-entered")
      }
      const outcome = yield* Process.run({
        target: async (rlock: any, cond: any, value: any) => {
          const { Effect } = await import("effect")
          const reenter = (lock: any, through: any = lock) => Effect.gen(function*() {
            yield* lock.acquire()
            const inside = yield* through.withLock(Effect.succeed("re-entered"))
            yield* lock.release
            return inside
          })
          return Effect.gen(function*() {
            const valueLock = yield* value.getLock
            return [yield* reenter(rlock), yield* reenter(cond), yield* reenter(valueLock, value)]
          })
        },
        args: [rlock, cond, value]
      }).pipe(Effect.timeoutTo({ duration: "30 seconds", onSuccess: (x) => x, onTimeout: () => "still waiting" }))
      expect(outcome).toEqual(["re-entered", "re-entered", "re-entered"])
      expect([yield* rlock.getValue, yield* valueLock.getValue]).toEqual([1, 1])
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))
})
