/**
 * The synchronous forms of the Lock family and of Values (acquireSync, releaseSync, withLockSync,
 * getSync/setSync, compat `value`): Python's blocking calls, in shared memory. Across real
 * processes: exact counts under contention, a holder killed with SIGKILL while others sleep in the
 * kernel, timeouts. On the served backend (the "served" project: the addon disabled) every one of
 * them refuses with SyncUnsupportedError instead of blocking the event loop on a socket.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, FastCheck as fc } from "effect"
import { Errors, Lock, NodeMultiprocessing, Semaphore, SharedValue } from "effect-multiprocessing"
import * as compat from "effect-multiprocessing/compat"
import { primitives } from "./support/backend.js"

const layer = NodeMultiprocessing.layer

/** What `f` throws (undefined when it returns). */
const thrown = (f: () => unknown): unknown => {
  try {
    f()
  } catch (error) {
    return error
  }
  return undefined
}

if (primitives === "served") {
  describe("synchronous forms on the served backend", () => {
    it.live("every one throws SyncUnsupportedError saying why and what to use instead; the asynchronous forms work", () =>
      Effect.promise(async () => {
        const lock = new compat.Lock()
        const semaphore = new compat.Semaphore(2)
        const value = compat.Value("i", 1)
        const array = compat.Array("i", [1, 2, 3])
        for (const call of [
          () => lock.acquireSync(),
          () => lock.releaseSync(),
          () => lock.withLockSync(() => 1),
          () => semaphore.acquireSync(false),
          () => value.value,
          () => (value.value = 2),
          () => value.withLockSync(() => 1),
          () => array.getItemSync(0),
          () => array.setItemSync(0, 2),
          () => array.getSliceSync(0, 2),
          () => array.setSliceSync(0, 2, [5, 6]),
          () => array.toArraySync(),
          () => array.withLockSync(() => 1)
        ]) {
          const error = thrown(call)
          expect(error).toBeInstanceOf(compat.SyncUnsupportedError)
          expect((error as Error).message).toContain("served by its owner process over a socket")
          expect((error as Error).message).toContain("EFFECT_MULTIPROCESSING_NATIVE=0")
          expect((error as Error).message).toContain("asynchronous form")
        }
        expect(await lock.acquire()).toBe(true) // nothing was taken by the refusals
        await lock.release()
        expect(await value.get()).toBe(1)
        expect(await array.toArray()).toEqual([1, 2, 3])
        lock.close()
        semaphore.close()
        value.close()
        array.close()
      }))

    it.scopedLive("Effect face: Lock.withLockSync fails with the typed error, and runs nothing", () =>
      Effect.gen(function*() {
        const lock = yield* Lock.make()
        let ran = false
        const error = yield* Lock.withLockSync(lock, () => (ran = true)).pipe(Effect.flip)
        expect(error).toBeInstanceOf(Errors.SyncUnsupportedError)
        expect(ran).toBe(false)
        expect(yield* lock.getValue).toBe(1)
      }).pipe(Effect.provide(layer)))
  })
} else {
  describe("synchronous forms in one process", () => {
    it.live("acquireSync/releaseSync of each kind: Python's answers and errors", () =>
      Effect.sync(() => {
        const lock = new compat.Lock()
        expect(lock.acquireSync()).toBe(true)
        expect(lock.acquireSync(false)).toBe(false)
        expect(lock.acquireSync({ block: false })).toBe(false)
        expect(lock.acquireSync(true, 0)).toBe(false)
        lock.releaseSync()
        expect(thrown(() => lock.releaseSync())).toBeInstanceOf(compat.ValueError)

        const rlock = new compat.RLock()
        expect([rlock.acquireSync(), rlock.acquireSync(), rlock.acquireSync(false)]).toEqual([true, true, true])
        rlock.releaseSync()
        rlock.releaseSync()
        rlock.releaseSync()
        expect(thrown(() => rlock.releaseSync())).toBeInstanceOf(compat.NotOwnerError)

        const bounded = new compat.BoundedSemaphore(2)
        expect([bounded.acquireSync(), bounded.acquireSync(), bounded.acquireSync(false)]).toEqual([true, true, false])
        bounded.releaseSync()
        bounded.releaseSync()
        expect(thrown(() => bounded.releaseSync())).toBeInstanceOf(compat.ValueError)

        expect(thrown(() => lock.acquireSync({ block: "yes" } as never))).toBeInstanceOf(compat.TypeError)
        for (const made of [lock, rlock, bounded]) made.close()
      }))

    it.live("waiting without a timeout for a lock this thread holds throws SyncUnsupportedError at once; with one, it answers false once it ran out", () =>
      Effect.sync(() => {
        const lock = new compat.Lock()
        lock.acquireSync()
        const error = thrown(() => lock.acquireSync())
        expect(error).toBeInstanceOf(compat.SyncUnsupportedError)
        expect((error as Error).message).toContain("this thread holds the lock")
        const start = performance.now()
        expect(lock.acquireSync(true, 0.05)).toBe(false)
        expect(performance.now() - start).toBeGreaterThanOrEqual(49)
        lock.releaseSync()
        expect(lock.acquireSync()).toBe(true) // nothing was left behind by the refusal
        lock.releaseSync()
        lock.close()
      }))

    it.live("withLockSync releases however its body ends, and gives the body's value", () =>
      Effect.sync(() => {
        const lock = new compat.RLock()
        expect(lock.withLockSync(() => lock.withLockSync(() => 42))).toBe(42) // re-entered
        expect(thrown(() => lock.withLockSync(() => { throw new Error("boom") }))).toMatchObject({ message: "boom" })
        expect(lock.acquireSync(false)).toBe(true)
        lock.releaseSync()
        lock.close()
      }))

    it.live("a Value's value reads and writes at once, with its typecode's rules; a Raw one has no lock", () =>
      Effect.sync(() => {
        const counter = compat.Value("i", 5)
        counter.withLockSync(() => { counter.value += 1 })
        expect(counter.value).toBe(6)
        counter.value = 2 ** 31 // wraps at 32 bits, as ctypes does
        expect(counter.value).toBe(-(2 ** 31))
        expect(thrown(() => (counter.value = 1.5))).toBeInstanceOf(compat.ValueError)
        expect(thrown(() => (counter.value = "1" as never))).toBeInstanceOf(compat.ValueError)
        const big = compat.Value("q", 1n)
        big.value = 7
        expect(big.value).toBe(7n)
        const letter = compat.Value("c", "a")
        letter.value = "z"
        expect(letter.value).toBe("z")
        const ratio = compat.Value("d", 0)
        ratio.value = 0.25
        expect(ratio.value).toBe(0.25)
        const raw = compat.RawValue("i", 3)
        expect(raw.value).toBe(3)
        expect(thrown(() => raw.withLockSync(() => 1))).toBeInstanceOf(compat.ValueError)
        for (const made of [counter, big, letter, ratio, raw]) made.close()
      }))

    it.live("an Array's items and slices read and write at once, with Python's indexes and its typecode's rules", () =>
      Effect.sync(() => {
        const samples = compat.Array("d", [0.5, 1.5, 2.5, 3.5])
        expect(samples.getItemSync(-1)).toBe(3.5)
        samples.setItemSync(1, 7)
        expect(samples.getSliceSync(1, 3)).toEqual([7, 2.5])
        expect(samples.getSliceSync(-2)).toEqual([2.5, 3.5])
        samples.setSliceSync(null, 2, [9, 8])
        expect(samples.toArraySync()).toEqual([9, 8, 2.5, 3.5])
        expect(thrown(() => samples.getItemSync(4))).toMatchObject({ _tag: "IndexError", message: "array index out of range" })
        expect(thrown(() => samples.setItemSync(-5, 1))).toBeInstanceOf(compat.IndexError)
        expect(thrown(() => samples.getItemSync(0.5))).toBeInstanceOf(compat.ValueError)
        expect(thrown(() => samples.setItemSync(0, "x" as never))).toBeInstanceOf(compat.ValueError)
        expect(thrown(() => samples.setSliceSync(0, 2, [1]))).toMatchObject({ message: "Can only assign sequence of same size" })
        expect(samples.toArraySync()).toEqual([9, 8, 2.5, 3.5]) // refused writes change nothing
        const text = compat.Array("c", "abc")
        text.setSliceSync(1, 3, "yz")
        expect(text.toArraySync().join("")).toBe("ayz")
        const raw = compat.RawArray("q", 2)
        raw.setItemSync(0, 5)
        expect(raw.getItemSync(0)).toBe(5n)
        samples.withLockSync(() => samples.setItemSync(0, samples.getItemSync(0) + 1))
        expect(samples.getItemSync(0)).toBe(10)
        for (const made of [samples, text, raw]) made.close()
      }))

    it.live.prop(
      "any sequence of blocking item and slice operations on an Array leaves what the same on a JavaScript array (Python's rules) leaves",
      [
        fc.integer({ min: 0, max: 8 }),
        fc.array(
          fc.oneof(
            fc.tuple(fc.constant("set" as const), fc.integer({ min: -10, max: 10 }), fc.integer()),
            fc.tuple(fc.constant("get" as const), fc.integer({ min: -10, max: 10 })),
            fc.tuple(fc.constant("slice" as const), fc.option(fc.integer({ min: -10, max: 10 })), fc.option(fc.integer({ min: -10, max: 10 })))
          ),
          { maxLength: 30 }
        )
      ],
      ([length, steps]) =>
        Effect.sync(() => {
          const array = compat.Array("i", length)
          const model: Array<number> = Array(length).fill(0)
          const at = (index: number) => (index < 0 ? index + length : index)
          for (const step of steps) {
            if (step[0] === "slice") {
              const [, start, stop] = step
              // Python's a[start:stop] = a[start:stop][::-1]: read, reverse, write back, all at once.
              const got = array.getSliceSync(start, stop)
              const clamp = (bound: number | null, fallback: number) =>
                bound === null ? fallback : Math.min(Math.max(bound < 0 ? bound + length : bound, 0), length)
              const from = clamp(start, 0)
              const expected = model.slice(from, Math.max(from, clamp(stop, length)))
              expect(got).toEqual(expected)
              array.setSliceSync(start, stop, [...got].reverse())
              model.splice(from, expected.length, ...expected.reverse())
            } else if (at(step[1]) < 0 || at(step[1]) >= length) {
              const error = thrown(() => step[0] === "set" ? array.setItemSync(step[1], step[2]) : array.getItemSync(step[1]))
              expect(error).toBeInstanceOf(compat.IndexError)
            } else if (step[0] === "set") {
              array.setItemSync(step[1], step[2])
              model[at(step[1])] = step[2] | 0 // an 'i' cell wraps at 32 bits
            } else {
              expect(array.getItemSync(step[1])).toBe(model[at(step[1])])
            }
            expect(array.toArraySync()).toEqual(model)
          }
          array.close()
        }),
      { fastCheck: { numRuns: 40 } }
    )

    it.live.prop(
      "any sequence of synchronous and asynchronous acquires and releases of a Lock leaves the same state as Python's would",
      [fc.array(fc.constantFrom("acquireSync", "tryAcquireSync", "releaseSync", "acquire", "release"), { maxLength: 30 })],
      ([steps]) =>
        Effect.promise(async () => {
          const lock = new compat.Lock()
          let held = false
          for (const step of steps) {
            if (step === "acquireSync" || step === "acquire") {
              if (held) continue // Python would wait for ever; ours refuses (tested above)
              expect(step === "acquire" ? await lock.acquire() : lock.acquireSync()).toBe(true)
              held = true
            } else if (step === "tryAcquireSync") {
              expect(lock.acquireSync(false)).toBe(!held)
              held = true
            } else {
              const outcome = step === "release" ? await lock.release().then(() => "ok", (e) => e) : thrown(() => lock.releaseSync()) ?? "ok"
              if (held) expect(outcome).toBe("ok")
              else expect(outcome).toBeInstanceOf(compat.ValueError)
              held = false
            }
            expect(await lock.getValue()).toBe(held ? 0 : 1)
          }
          lock.close()
        }),
      { fastCheck: { numRuns: 30 } }
    )

    it.scopedLive("Effect face: Lock.withLockSync is one step; a throwing body is a defect and the lock is released; data-last too", () =>
      Effect.gen(function*() {
        const lock = yield* Lock.make()
        const value = yield* SharedValue.makeValue("i", 0)
        expect(yield* Lock.withLockSync(lock, () => 1 + 1)).toBe(2)
        expect(yield* lock.pipe(Lock.withLockSync(() => "piped"))).toBe("piped")
        const failed = yield* Effect.exit(Lock.withLockSync(lock, () => { throw new Error("boom") }))
        expect(Exit.isFailure(failed) && Exit.causeOption(failed)._tag === "Some").toBe(true)
        expect(yield* Effect.flip(Effect.sandbox(Lock.withLockSync(lock, () => { throw new Error("boom") })))).toMatchObject({ _tag: "Die" })
        expect(yield* lock.getValue).toBe(1)
        value.withLockSync(() => value.setSync(value.getSync() + 1))
        expect(yield* value.get).toBe(1)
        const semaphore = yield* Semaphore.make(1)
        expect(semaphore.acquireSync({ timeout: "10 millis" })).toBe(true)
        expect(() => semaphore.acquireSync({ timeout: "10 millis" })).toThrow(Errors.TimeoutError)
        semaphore.releaseSync()
      }).pipe(Effect.provide(layer)))
  })

  describe("synchronous forms across processes", () => {
    it.live.prop(
      "2 to 4 processes incrementing under withLockSync (a Value's lock) and acquireSync (a Lock over a RawValue) count exactly",
      [fc.integer({ min: 2, max: 4 }), fc.integer({ min: 1, max: 20_000 })],
      ([processes, increments]) =>
        Effect.promise(async () => {
          const counter = compat.Value("i", 0)
          const lock = new compat.Lock()
          const raw = compat.RawValue("q", 0n)
          const children = Array.from({ length: processes }, () =>
            new compat.Process({
              target: (counter: any, lock: any, raw: any, n: number) => {
                for (let i = 0; i < n; i++) {
                  counter.withLockSync(() => { counter.value += 1 })
                  lock.acquireSync()
                  const seen = raw.value // two steps: only the lock keeps them together
                  raw.value = seen + 1n
                  lock.releaseSync()
                }
                return n
              },
              args: [counter, lock, raw, increments]
            })
          )
          children.forEach((child) => child.start())
          for (const child of children) {
            expect(await child.result()).toBe(increments)
            await child.join()
            child.close()
          }
          expect(counter.value).toBe(processes * increments)
          expect(raw.value).toBe(BigInt(processes * increments))
          expect(lock.acquireSync(false)).toBe(true)
          lock.releaseSync()
          for (const made of [counter, lock, raw]) made.close()
        }),
      { fastCheck: { numRuns: 3 } }
    )

    it.live.prop(
      "2 or 3 processes adding to every item of one Array under its lock with the blocking forms count exactly",
      [fc.integer({ min: 2, max: 3 }), fc.integer({ min: 1, max: 5_000 })],
      ([processes, rounds]) =>
        Effect.promise(async () => {
          const totals = compat.Array("i", 4)
          const children = Array.from({ length: processes }, (_, k) =>
            new compat.Process({
              target: (totals: any, rounds: number, k: number) => {
                for (let i = 0; i < rounds; i++) {
                  totals.withLockSync(() => {
                    // One item at a time and a whole slice: both must see the others' writes done.
                    totals.setItemSync(0, totals.getItemSync(0) + 1)
                    const rest = totals.getSliceSync(1)
                    totals.setSliceSync(1, null, [rest[0] + 1, rest[1] + k, rest[2] + 2])
                  })
                }
                return rounds
              },
              args: [totals, rounds, k]
            })
          )
          children.forEach((child) => child.start())
          for (const child of children) {
            expect(await child.result()).toBe(rounds)
            await child.join()
            child.close()
          }
          const ks = (processes * (processes - 1)) / 2
          expect(totals.toArraySync()).toEqual([processes * rounds, processes * rounds, ks * rounds, 2 * processes * rounds])
          totals.close()
        }),
      { fastCheck: { numRuns: 3 } }
    )

    it.live("a holder killed with SIGKILL while two processes sleep in the kernel waiting for it: both get the lock in turn", () =>
      Effect.promise(async () => {
        const lock = new compat.Lock()
        const counter = compat.RawValue("i", 0)
        const [here, there] = await compat.Pipe()
        const holder = new compat.Process({
          target: async (lock: any, conn: any) => {
            lock.acquireSync()
            await conn.send("held")
            await new Promise(() => setInterval(() => {}, 1000)) // holds it until killed
          },
          args: [lock, there]
        })
        holder.start()
        expect(await here.recv()).toBe("held")
        const waiters = [0, 1].map(() =>
          new compat.Process({
            target: async (lock: any, counter: any, conn: any) => {
              await conn.send("waiting")
              const taken = lock.acquireSync() // blocks this process until the holder is found dead
              counter.value += 1
              lock.releaseSync()
              return taken
            },
            args: [lock, counter, there]
          })
        )
        waiters.forEach((waiter) => waiter.start())
        expect([await here.recv(), await here.recv()]).toEqual(["waiting", "waiting"])
        await new Promise((resolve) => setTimeout(resolve, 300)) // long enough to be asleep in the kernel
        expect(await lock.acquire(false)).toBe(false)
        holder.kill()
        expect(await holder.join()).toBe(-9)
        for (const waiter of waiters) {
          expect(await waiter.result()).toBe(true)
          expect(await waiter.join()).toBe(0)
          waiter.close()
        }
        expect(counter.value).toBe(2)
        expect(lock.acquireSync(true, 5)).toBe(true)
        lock.releaseSync()
        holder.close()
        here.close()
        there.close()
        lock.close()
        counter.close()
      }))

    it.live.prop(
      "a timed acquireSync of a lock another process holds answers false no sooner than its timeout; a non-blocking one at once",
      [fc.integer({ min: 1, max: 250 })],
      ([millis]) =>
        Effect.promise(async () => {
          const lock = new compat.Lock()
          const [here, there] = await compat.Pipe()
          const holder = new compat.Process({
            target: async (lock: any, conn: any) => {
              lock.acquireSync()
              await conn.send("held")
              await conn.recv()
              lock.releaseSync()
            },
            args: [lock, there]
          })
          holder.start()
          expect(await here.recv()).toBe("held")
          expect(lock.acquireSync(false)).toBe(false)
          const start = performance.now()
          expect(lock.acquireSync(true, millis / 1000)).toBe(false)
          expect(performance.now() - start).toBeGreaterThanOrEqual(millis - 1)
          await here.send("release")
          expect(await holder.join()).toBe(0)
          expect(lock.acquireSync(true, 10)).toBe(true)
          lock.releaseSync()
          holder.close()
          here.close()
          there.close()
          lock.close()
        }),
      { fastCheck: { numRuns: 4 } }
    )
  })
}
