/**
 * A Queue over its shared ring (the "core" project, where the addon is loaded): items cross without
 * their owner, an item too big for the ring overflows to the owner without breaking any producer's
 * order, and producers and consumers in several processes, some items overflowing, lose nothing. A
 * producer that outruns the ring keeps its items in its backlog, and they still cross the ring.
 * The rest of the Queue's behaviour runs on both backends in test/ProcessQueue.test.ts.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import { ProcessQueue } from "effect-multiprocessing"
import * as compat from "effect-multiprocessing/compat"
import { primitives } from "../../support/backend.js"

/** Larger than the ring (1 MiB): it can only overflow. */
const HUGE = 1_200_000
/** Over a quarter of the ring: overflows too. */
const BIG = 300_000

type Item = [producer: number, index: number, padding: string]

describe("Queue over a shared ring", () => {
  it("the queue's primitives are in shared memory in this project", () => {
    expect(primitives).toBe("shared-memory")
  })

  it.effect.prop(
    "in its owner: puts and gets of small, big and huge items in any interleaving come out as a FIFO",
    [fc.array(fc.oneof(fc.constant(-1), fc.constantFrom(8, 64, 40_000, BIG, HUGE)), { minLength: 1, maxLength: 60 })],
    ([steps]) =>
      Effect.scoped(Effect.gen(function*() {
        const q = yield* ProcessQueue.make<string>()
        const model: Array<string> = []
        let next = 0
        for (const step of steps) {
          if (step < 0) {
            if (model.length === 0) expect((yield* Effect.flip(q.getNowait))._tag).toBe("Empty")
            else expect(yield* q.get({ timeout: "5 seconds" })).toBe(model.shift())
            continue
          }
          const item = `${next++}:`.padEnd(step, "x")
          yield* q.put(item)
          model.push(item)
          expect(yield* q.qsize).toBe(model.length)
        }
        while (model.length > 0) expect(yield* q.get({ timeout: "5 seconds" })).toBe(model.shift())
        expect(yield* q.empty).toBe(true)
      })),
    { fastCheck: { numRuns: 25 } }
  )

  it.live("items taken are views of a shared copy block, never written again: what earlier gets gave stays whole across many later ones", () =>
    Effect.promise(async () => {
      const q = new compat.Queue<unknown>()
      try {
        // Past several 64 KiB blocks: plain objects (msgpack, decoded from a view) and bytes and Maps (V8).
        const item = (i: number) =>
          i % 3 === 0 ? { i, text: "x".repeat(i % 50) } : i % 3 === 1 ? new Uint8Array(i % 200).fill(i & 0xff) : new Map([[i, `v${i}`]])
        const got: Array<unknown> = []
        for (let round = 0; round < 4; round++) {
          for (let i = round * 700; i < (round + 1) * 700; i++) await q.put(item(i))
          for (let i = 0; i < 700; i++) got.push(await q.get())
        }
        expect(got).toEqual(Array.from({ length: 2800 }, (_, i) => item(i)))
      } finally {
        q.dispose()
      }
    }), 60_000)

  it.live("a get that finds the ring empty sleeps, and the put that comes later wakes it", () =>
    Effect.promise(async () => {
      const q = new compat.Queue<number>()
      try {
        for (let round = 0; round < 3; round++) {
          // Later than any spin: the getter has announced itself and sleeps when the put comes.
          const late = setTimeout(() => void q.put(round), 30 * (round + 1))
          expect(await q.get(true, 10)).toBe(round)
          clearTimeout(late)
        }
      } finally {
        q.dispose()
      }
    }), 60_000)

  it.live("items cross between two children while their owner's thread is blocked: nothing goes through it", () =>
    Effect.promise(async () => {
      const q = new compat.Queue<number>()
      const ready = new compat.Barrier(3)
      const done = compat.Value("i", 0)
      const producer = new compat.Process({
        target: async (q: compat.Queue<number>, ready: compat.Barrier) => {
          await ready.wait()
          for (let i = 0; i < 2000; i++) await q.put(i)
        },
        args: [q, ready]
      })
      const consumer = new compat.Process({
        target: async (q: compat.Queue<number>, ready: compat.Barrier, done: { value: number }) => {
          await ready.wait()
          for (let i = 0; i < 2000; i++) if (await q.get() !== i) return (done.value = -1)
          done.value = 1
        },
        args: [q, ready, done]
      })
      producer.start()
      consumer.start()
      await ready.wait()
      // This thread blocked (a hang guard, not a measure): the children go on without it.
      const until = Date.now() + 50_000
      while (done.value === 0 && Date.now() < until);
      expect(done.value).toBe(1)
      expect(await producer.join()).toBe(0)
      expect(await consumer.join()).toBe(0)
      producer.close()
      consumer.close()
      q.dispose()
      // Each travelled, so its maker serves it to processes that could not map it: until closed.
      ready.close()
      done.close()
    }), 60_000)

  it.live("producers and consumers in three processes, some items overflowing, some larger than the ring: each item once, each producer's in order", () =>
    Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(fc.constantFrom(0, 0, 0, 0, 16, BIG, HUGE), { minLength: 1, maxLength: 40 }), { minLength: 2, maxLength: 2 }),
          fc.integer({ min: 0, max: 3 }),
          async (sizes, maxsize) => {
            const q = new compat.Queue<Item | null>(maxsize)
            const producers = sizes.map((padding, k) =>
              new compat.Process({
                target: async (q: compat.Queue<Item | null>, k: number, padding: ReadonlyArray<number>) => {
                  for (let i = 0; i < padding.length; i++) {
                    await q.put([k, i, "".padEnd(padding[i], "p")])
                    if (i % 7 === 6) await new Promise((resolve) => setTimeout(resolve, 1))
                  }
                },
                args: [q, k, padding]
              })
            )
            const consumer = new compat.Process({
              target: async (q: compat.Queue<Item | null>) => {
                const got: Array<[number, number, number]> = []
                for (let item = await q.get(); item !== null; item = await q.get()) got.push([item[0], item[1], item[2].length])
                return got
              },
              args: [q]
            })
            for (const child of [...producers, consumer]) child.start()
            // Once every producer is done, one end mark per consumer: each reads until it takes one, however
            // the items fell between them (this process could take none, or all).
            const ended = (async () => {
              for (const child of producers) expect(await child.join()).toBe(0)
              await q.put(null)
              await q.put(null)
            })()
            const here: Array<[number, number, number]> = []
            for (let item = await q.get(true, 60); item !== null; item = await q.get(true, 60)) here.push([item[0], item[1], item[2].length])
            await ended
            const there = (await consumer.result()) as Array<[number, number, number]>
            expect(await consumer.join()).toBe(0)
            for (const child of [...producers, consumer]) child.close()
            q.dispose()
            for (const seen of [here, there]) {
              for (let k = 0; k < sizes.length; k++) {
                const indexes = seen.filter(([producer]) => producer === k).map(([, i]) => i)
                expect(indexes).toEqual([...indexes].sort((a, b) => a - b))
              }
            }
            const all = [...here, ...there].sort((a, b) => a[0] - b[0] || a[1] - b[1])
            expect(all).toEqual(sizes.flatMap((padding, k) => padding.map((length, i) => [k, i, length])))
          }
        ),
        // The example: one consumer may take most items (this process waited for half of them, for ever, before the end marks).
        { numRuns: 3, examples: [[[[0, 0, 0, HUGE, 0, 0, 0, 0], [16, 0, BIG]], 3]] }
      )
    ), 120_000)

  it.live("a producer that puts twice what the ring holds before a consumer takes: every item crosses the ring, none goes through the owner, whose thread is blocked", () =>
    Effect.promise(async () => {
      const N = 20_000
      const q = new compat.Queue<[number, string]>()
      const ready = new compat.Barrier(3)
      const done = compat.Value("i", 0)
      const producer = new compat.Process({
        target: async (q: compat.Queue<[number, string]>, ready: compat.Barrier, n: number) => {
          await ready.wait()
          for (let i = 0; i < n; i++) await q.put([i, "p".repeat(96)])
        },
        args: [q, ready, N]
      })
      const consumer = new compat.Process({
        target: async (q: compat.Queue<[number, string]>, ready: compat.Barrier, done: { value: number }, n: number) => {
          await ready.wait()
          // Once every item is put (the ring holds about half of them): the rest wait in the producer's backlog.
          while ((await q.qsize()) < n) await new Promise((resolve) => setTimeout(resolve, 5))
          for (let i = 0; i < n; i++) if ((await q.get())[0] !== i) return (done.value = -1)
          done.value = 1
        },
        args: [q, ready, done, N]
      })
      producer.start()
      consumer.start()
      await ready.wait()
      // Blocked (a hang guard, not a measure): an item sent to the owner instead would wait for this to end.
      const until = Date.now() + 50_000
      while (done.value === 0 && Date.now() < until);
      expect(done.value).toBe(1)
      expect(await producer.join()).toBe(0)
      expect(await consumer.join()).toBe(0)
      producer.close()
      consumer.close()
      q.dispose()
      ready.close()
      done.close()
    }), 60_000)

  it.live("a producer whose puts outrun the ring keeps them in order in its backlog: counted by qsize and join, fed in as gets make room, and sent to the owner if nobody takes", () =>
    Effect.promise(async () => {
      // About 9 000 such items fill the ring: each producer puts twice that, and returns at once.
      const N = 18_000
      const q = new compat.JoinableQueue<[number, number, string]>()
      const produce = async (q: compat.JoinableQueue<[number, number, string]>, k: number, n: number) => {
        for (let i = 0; i < n; i++) await q.put([k, i, "p".repeat(96)])
      }
      const producers = [0, 1].map((k) => new compat.Process({ target: produce, args: [q, k, N] }))
      try {
        for (const child of producers) child.start()
        // Every item is counted as put at once, held or not (Python's qsize counts its feeders' buffers too).
        const until = Date.now() + 60_000
        while ((await q.qsize()) < 2 * N && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20))
        expect(await q.qsize()).toBe(2 * N)
        const next = [0, 0]
        for (let i = 0; i < N; i++) {
          const [k, index] = await q.get(true, 60)
          expect(index).toBe(next[k]++)
          await q.taskDone()
        }
        // Then nobody takes for a while: each producer's exit does not wait for ever, its backlog goes to the owner.
        for (const child of producers) expect(await child.join()).toBe(0)
        expect(await q.qsize()).toBe(N)
        for (let i = 0; i < N; i++) {
          const [k, index] = await q.get(true, 60)
          expect(index).toBe(next[k]++)
          await q.taskDone()
        }
        expect(next).toEqual([N, N])
        await q.join()
        expect(await q.qsize()).toBe(0)
        await expect(q.getNowait()).rejects.toBeInstanceOf(compat.Empty)
      } finally {
        for (const child of producers) {
          if (child.isAlive()) child.terminate()
          await child.join()
          child.close()
        }
        q.dispose()
      }
    }), 120_000)

  it.live("a JoinableQueue's join waits for the last taskDone of a child; a bounded put waits across processes for a child's get", () =>
    Effect.promise(async () => {
      const q = new compat.JoinableQueue<number>(1)
      const worker = new compat.Process({
        target: async (q: compat.JoinableQueue<number>) => {
          for (let i = 0; i < 50; i++) {
            const item = await q.get()
            if (item !== i) process.exit(2)
            await q.taskDone()
          }
        },
        args: [q]
      })
      worker.start()
      for (let i = 0; i < 50; i++) {
        await q.put(i)
        expect(await q.qsize()).toBeLessThanOrEqual(1)
      }
      await q.join()
      expect(await worker.join()).toBe(0)
      await expect(q.taskDone()).rejects.toBeInstanceOf(compat.ValueError)
      worker.close()
      q.dispose()
    }), 60_000)
})
