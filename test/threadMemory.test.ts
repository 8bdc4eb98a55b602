/**
 * The primitives between the threads of one process, made for threads (the start method is "thread"):
 * in shared memory where the addon is built ("core"), in the threads' own memory, a SharedArrayBuffer
 * with Atomics, where it is not ("served" runs this file with it disabled; see
 * src/internal/native/threadMemory.ts). The same tests on both: every kind used from a thread, wake-ups
 * under contention, a thread terminated holding a lock, a lock that reaches a running thread later.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import {
  Array as SharedArray,
  Barrier,
  BoundedSemaphore,
  Condition,
  Event,
  Lock,
  Process,
  Queue,
  RLock,
  Semaphore,
  setStartMethod,
  Value
} from "effect-multiprocessing/compat"
import { primitives } from "./support/backend.js"

setStartMethod("thread")

/** Source text: vitest would rewrite what a function written in this file refers to. */
const target = <F>(source: string): F => (0, eval)(source) as F

/** The id of the shared object a compat object wraps: a segment's name for the primitives in shared memory. */
const idOf = (o: object): string =>
  (o as any)[Symbol.for("effect-multiprocessing/compat/Wraps")][Symbol.for("effect-multiprocessing/Primitive")].id

/** Where primitives made for threads live here: the addon's segments, or the threads' own memory. */
const memory = primitives === "served" ? /\/emp-sab-\d+-/ : /\/emp-prim-\d+-/

/** What a test made, closed after it (a Queue disposed: else it is served, and its socket open, as long as this process lives). */
const made: Array<{ close(): void } | { dispose(): void }> = []
const kept = <T extends { close(): void } | { dispose(): void }>(o: T): T => {
  made.push(o)
  return o
}
afterEach(() => {
  for (const o of made.splice(0)) "dispose" in o ? o.dispose() : o.close()
})

const ended = async (p: Process): Promise<number | null> => {
  if (p.exitCode === null) p.terminate()
  return p.join(30)
}

describe(`primitives made for threads (${primitives === "served" ? "thread memory, no addon" : "shared memory"})`, () => {
  it("every kind lives in memory the threads share, and works from a thread as from this one", async () => {
    const lock = kept(new Lock())
    const rlock = kept(new RLock())
    const semaphore = kept(new Semaphore(2))
    const bounded = kept(new BoundedSemaphore(1))
    const condition = kept(new Condition())
    const event = kept(new Event())
    const barrier = kept(new Barrier(2))
    const value = kept(Value("d", 1.5))
    const array = kept(SharedArray("i", [1, 2, 3]))
    const queue = kept(new Queue())
    for (const o of [lock, rlock, semaphore, bounded, condition, event, barrier, value, array]) expect(idOf(o)).toMatch(memory)
    expect(idOf(queue)).toMatch(memory)

    const there = target<(...args: Array<any>) => Promise<unknown>>(`(async (lock, rlock, semaphore, bounded, condition, event, barrier, value, array, queue) => {
      const seen = {}
      seen.lock = [lock.acquireSync(), lock.acquireSync(false)]
      lock.releaseSync()
      seen.rlock = [rlock.acquireSync(), rlock.acquireSync()]
      rlock.releaseSync()
      rlock.releaseSync()
      seen.semaphore = [await semaphore.acquire(false), await semaphore.acquire(false), await semaphore.acquire(false)]
      await semaphore.release()
      await semaphore.release()
      seen.bounded = await bounded.acquire(false)
      await bounded.release()
      value.withLockSync(() => { value.value = value.value * 2 })
      array.setItemSync(1, 20)
      await event.set()
      seen.barrier = await barrier.wait(30)
      seen.notified = await condition.withLock(() => condition.waitFor(async () => array.getItemSync(0) === 10, 30))
      await queue.put("from the thread")
      return seen
    })`)
    const p = new Process({ target: there, args: [lock, rlock, semaphore, bounded, condition, event, barrier, value, array, queue] })
    p.start()
    expect(await event.wait(30)).toBe(true)
    expect(value.value).toBe(3)
    expect(array.getItemSync(1)).toBe(20)
    const index = await barrier.wait(30)
    await condition.withLock(async () => {
      await array.setItem(0, 10)
      await condition.notifyAll()
    })
    expect(await queue.get(true, 30)).toBe("from the thread")
    expect(await p.join(30)).toBe(0)
    const seen = await p.result() as Record<string, unknown>
    expect(seen).toEqual({
      lock: [true, false],
      rlock: [true, true],
      semaphore: [true, true, false],
      bounded: true,
      barrier: 1 - index,
      notified: true
    })
    expect([await lock.acquire(false), await semaphore.getValue(), await bounded.getValue()]).toEqual([true, 2, 1])
    await lock.release()
  })

  it("no wake-up is lost: three threads and this one take a lock, meet at a barrier and pass semaphores back and forth, asleep in the kernel and in the event loop", async () => {
    const rounds = 100
    const lock = kept(new Lock())
    const counter = kept(Value("i", 0, { lock: false }))
    const barrier = kept(new Barrier(4))
    const ping = kept(new Semaphore(0))
    const pong = kept(new Semaphore(0))
    const work = target<(...args: Array<any>) => Promise<number>>(`(async (id, rounds, lock, counter, barrier, ping, pong) => {
      let missed = 0
      for (let i = 0; i < rounds; i++) {
        // In the kernel (Atomics.wait or a futex) for odd rounds, in the event loop for even ones.
        if (i % 2 === 1) lock.acquireSync(); else await lock.acquire()
        const before = counter.value
        await null
        counter.value = before + 1
        lock.releaseSync()
        await barrier.wait(30)
        // Two threads hand a permit back and forth: each wait needs the other's release.
        if (id === 0) {
          await ping.release()
          if (!(i % 2 === 1 ? pong.acquireSync(true, 30) : await pong.acquire(true, 30))) missed++
        } else if (id === 1) {
          if (!(i % 2 === 1 ? ping.acquireSync(true, 30) : await ping.acquire(true, 30))) missed++
          await pong.release()
        }
      }
      return missed
    })`)
    const threads = [0, 1, 2].map((id) => new Process({ target: work, args: [id, rounds, lock, counter, barrier, ping, pong] }))
    threads.forEach((p) => p.start())
    for (let i = 0; i < rounds; i++) {
      await lock.acquire()
      counter.value = counter.value + 1
      await lock.release()
      await barrier.wait(30)
    }
    expect(await Promise.all(threads.map((p) => p.join(60)))).toEqual([0, 0, 0])
    expect(await Promise.all(threads.map((p) => p.result()))).toEqual([0, 0, 0])
    expect(counter.value).toBe(4 * rounds)
  })

  it("a thread terminated while it holds a lock, or while it sleeps on one, is recovered from: the next taker gets it", async () => {
    const lock = kept(new Lock())
    const rlock = kept(new RLock())
    const held = kept(new Event())
    const holdForever = target<(lock: Lock, rlock: RLock, held: Event) => Promise<void>>(`(async (lock, rlock, held) => {
      lock.acquireSync()
      await rlock.acquire()
      await held.set()
      await new Promise(() => {})
    })`)
    const sleepOn = target<(lock: Lock) => boolean>(`((lock) => lock.acquireSync(true, 60))`)
    const holder = new Process({ target: holdForever, args: [lock, rlock, held] })
    holder.start()
    expect(await held.wait(30)).toBe(true)
    // Asleep in Atomics.wait (or a futex) on the held lock when it is terminated.
    const sleeper = new Process({ target: sleepOn, args: [rlock] })
    sleeper.start()
    const waiting = target<(lock: Lock) => Promise<boolean>>(`(async (lock) => {
      const got = await lock.acquire(true, 30)
      if (got) await lock.release()
      return got
    })`)
    const taker = new Process({ target: waiting, args: [lock] })
    taker.start()
    await new Promise((resolve) => setTimeout(resolve, 200))
    sleeper.terminate()
    expect(await sleeper.join(30)).toBe(-15)
    holder.terminate()
    expect(await holder.join(30)).toBe(-15)
    expect(await taker.join(60)).toBe(0)
    expect(await taker.result()).toBe(true)
    expect(rlock.acquireSync(true, 30)).toBe(true)
    expect(lock.acquireSync(true, 30)).toBe(true)
    rlock.releaseSync()
    lock.releaseSync()
    await Promise.all([holder, sleeper, taker].map(ended))
  })

  it("a lock made after a thread started reaches it through a Queue, and one the thread makes comes back: the same lock on both sides", async () => {
    const toThread = kept(new Queue())
    const fromThread = kept(new Queue())
    const later = target<(toThread: Queue, fromThread: Queue) => Promise<boolean>>(`(async (toThread, fromThread) => {
      const lock = await toThread.get(true, 30)
      const got = lock.acquireSync(true, 30)
      const { Event } = await import("effect-multiprocessing/compat")
      const release = new Event()
      await fromThread.put(["held", release])
      await release.wait(30)
      lock.releaseSync()
      return got
    })`)
    const p = new Process({ target: later, args: [toThread, fromThread] })
    p.start()
    const lock = kept(new Lock())
    expect(idOf(lock)).toMatch(memory)
    await toThread.put(lock)
    const [word, release] = await fromThread.get(true, 30) as [string, Event]
    expect(word).toBe("held")
    expect(idOf(release)).toMatch(memory)
    expect(await lock.acquire(false)).toBe(false)
    await release.set()
    expect(await lock.acquire(true, 30)).toBe(true)
    await lock.release()
    expect(await p.join(30)).toBe(0)
    expect(await p.result()).toBe(true)
  })

  it(primitives === "served"
    ? "a process, which cannot map the threads' memory, is served the primitive by its maker"
    : "a process maps a primitive made for threads as any other", async () => {
    const lock = kept(new Lock())
    const tryIt = target<(lock: Lock) => Promise<unknown>>(`(async (lock) => {
      try {
        return await lock.acquire(false)
      } catch (error) {
        return { name: error.name, message: error.message }
      }
    })`)
    const p = new Process({ target: tryIt, args: [lock], startMethod: "spawn" })
    p.start()
    expect(await p.join(60)).toBe(0)
    expect(await p.result()).toBe(true)
  })
})
