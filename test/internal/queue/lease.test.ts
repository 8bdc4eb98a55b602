/**
 * What a consumer's prefetch may hold and when it goes back (prefetch.ts, queueCore.ts's leases),
 * through real processes: each consumer sees a producer's items in order (Python's promise for items
 * enqueued by the same process), whatever the consumers do between gets — slow items, long idle
 * pauses, a SIGKILL with items kept — and every item arrives exactly once.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import * as compat from "effect-multiprocessing/compat"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

type Item = [producer: number, index: number]

/** What a consumer does between gets: every `every` items it pauses `ms`, spinning (a slow item) or idle (awaiting a timer). */
interface Pause {
  readonly every: number
  readonly ms: number
  readonly idle: boolean
}

const producer = (q: compat.Queue<Item | null>, k: number, n: number, burst: number) =>
  new compat.Process({
    target: async (q: compat.Queue<Item | null>, k: number, n: number, burst: number) => {
      for (let i = 0; i < n; i++) {
        await q.put([k, i])
        // Bursts with a turn of the event loop between them: consumers take while producers put.
        if (i % burst === burst - 1) await new Promise((resolve) => setTimeout(resolve, 1))
      }
    },
    args: [q, k, n, burst]
  })

const consumer = (q: compat.Queue<Item | null>, pause: Pause) =>
  new compat.Process({
    target: async (q: compat.Queue<Item | null>, pause: Pause) => {
      const got: Array<Item> = []
      for (let item = await q.get(); item !== null; item = await q.get()) {
        got.push(item)
        if (got.length % pause.every !== 0 || pause.ms === 0) continue
        if (pause.idle) await new Promise((resolve) => setTimeout(resolve, pause.ms))
        else {
          const until = Date.now() + pause.ms
          while (Date.now() < until);
        }
      }
      return got
    },
    args: [q, pause]
  })

/** Items of one producer that a consumer saw after a later item of the same producer. */
const outOfOrder = (got: ReadonlyArray<Item>): Array<Item> => {
  const last = new Map<number, number>()
  const late: Array<Item> = []
  for (const [k, i] of got) {
    if ((last.get(k) ?? -1) > i) late.push([k, i])
    else last.set(k, i)
  }
  return late
}

const everyItem = (producers: number, n: number): Array<string> =>
  Array.from({ length: producers }, (_, k) => Array.from({ length: n }, (_, i) => `${k}:${i}`)).flat().sort()

const keys = (items: ReadonlyArray<Item>): Array<string> => items.map(([k, i]) => `${k}:${i}`).sort()

const pause = fc.record({
  every: fc.integer({ min: 50, max: 300 }),
  // Idle pauses past the time a consumer used to hold items it had been refused back (40 checks of 5 ms).
  ms: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 300, max: 500 })),
  idle: fc.boolean()
})

describe("per-producer order across consumers", () => {
  it.live.prop(
    "4 producers x 4 consumers that pause (busy or idle) between gets: each sees every producer's items in order, each item once",
    [fc.integer({ min: 200, max: 600 }), fc.integer({ min: 50, max: 1000 }), fc.array(pause, { minLength: 4, maxLength: 4 })],
    ([n, burst, pauses]) =>
      Effect.promise(async () => {
        const q = new compat.Queue<Item | null>()
        const producers = Array.from({ length: 4 }, (_, k) => producer(q, k, n, burst))
        const consumers = pauses.map((p) => consumer(q, p))
        for (const child of [...consumers, ...producers]) child.start()
        for (const child of producers) expect(await child.join()).toBe(0)
        for (const _ of consumers) await q.put(null) // one end marker per consumer, after every item
        const received = (await Promise.all(consumers.map((child) => child.result()))) as Array<Array<Item>>
        for (const child of [...producers, ...consumers]) {
          await child.join()
          child.close()
        }
        q.dispose()
        for (const got of received) expect(outOfOrder(got)).toEqual([])
        expect(keys(received.flat())).toEqual(everyItem(4, n))
      }),
    { timeout: 240_000, fastCheck: { numRuns: 2, endOnFailure: true } }
  )

  // The victim takes items quickly (it keeps a batch), then spins with them kept while the others
  // ask for items, and is killed: what it had not handed out reaches the others, in each producer's
  // order, and exactly the items its gets did not return.
  it.live("a consumer SIGKILLed with items kept: the others get exactly the rest, each producer's in order", () =>
    Effect.promise(async () => {
      const dir = mkdtempSync(join(tmpdir(), "emp-queue-lease-"))
      try {
        const q = new compat.Queue<Item | null>()
        const n = 1500
        const producers = Array.from({ length: 4 }, (_, k) => producer(q, k, n, 100))
        for (const child of producers) child.start()
        for (const child of producers) {
          expect(await child.join()).toBe(0)
          child.close()
        }
        const record = join(dir, "victim.json")
        const started = join(dir, "started")
        const victim = new compat.Process({
          target: async (q: compat.Queue<Item | null>, record: string, started: string) => {
            const { existsSync, writeFileSync } = await import("node:fs")
            const got: Array<Item> = []
            for (let i = 0; i < 300; i++) got.push((await q.get())!)
            // What its gets returned, at the kernel before the kill; then its batch kept, without a turn
            // of the event loop, until the others have been asking for items a while.
            writeFileSync(record, JSON.stringify(got))
            const until = Date.now() + 60_000
            while (!existsSync(started) && Date.now() < until);
            const after = Date.now() + 300
            while (Date.now() < after);
            process.kill(process.pid, "SIGKILL")
          },
          args: [q, record, started]
        })
        victim.start()
        while (!existsSync(record)) await new Promise((resolve) => setTimeout(resolve, 5))
        const others = Array.from({ length: 3 }, () =>
          new compat.Process({
            target: async (q: compat.Queue<Item | null>, started: string) => {
              const { writeFileSync } = await import("node:fs")
              writeFileSync(started, "")
              const got: Array<Item> = []
              for (let item = await q.get(); item !== null; item = await q.get()) got.push(item)
              return got
            },
            args: [q, started]
          }))
        for (const child of others) child.start()
        expect(await victim.join()).toBe(-9)
        victim.close()
        for (const _ of others) await q.put(null)
        const received = (await Promise.all(others.map((child) => child.result()))) as Array<Array<Item>>
        for (const child of others) {
          await child.join()
          child.close()
        }
        q.dispose()
        const victimGot = JSON.parse(readFileSync(record, "utf8")) as Array<Item>
        expect(victimGot).toHaveLength(300)
        for (const got of [victimGot, ...received]) expect(outOfOrder(got)).toEqual([])
        expect(keys([...victimGot, ...received.flat()])).toEqual(everyItem(4, n))
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }), 120_000)
})
