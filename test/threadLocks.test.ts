/**
 * Shared-memory locks used from several threads of one process: worker
 * threads share the pid, so a lock tells its holders apart by thread (its OS
 * thread id, src/internal/thisProcess/thisThread.ts) and owner. An RLock is
 * re-entered only by the thread (and owner) holding it, a blocking acquire
 * waits for another thread's release, and a lock whose holding thread ended
 * (terminated, or by `process.exit`) is taken over by the next taker, in this
 * process or another, as one of a process that died.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { Barrier, BoundedSemaphore, BrokenBarrierError, Event, getContext, Lock, Process, RLock, Value } from "effect-multiprocessing/compat"

const { Process: ThreadProcess } = getContext("thread")

/** Source text: vitest would rewrite a dynamic import written in this file. */
const target = <F>(source: string): F => (0, eval)(source) as F

/** The objects a test made: each travelled, so its maker serves it (to a process that could not map it) until closed. */
const made: Array<{ close(): void }> = []
const kept = <T extends { close(): void }>(object: T): T => (made.push(object), object)
afterEach(() => made.splice(0).forEach((object) => object.close()))

/** Ends a thread, whatever state it is in, once the test is done with it. */
const ended = async (p: Process): Promise<number | null> => {
  if (p.exitCode === null) p.terminate()
  return p.join(30)
}

describe("shared-memory locks between threads of one process", () => {
  it("increments of a Value under its lock from two threads and this one are all kept, in the blocking and the Promise forms", async () => {
    const n = 600
    const counter: Value<"i"> = kept(Value("i", 0))
    const start = kept(new Event())
    const increment = target<(counter: Value<"i">, start: Event, n: number) => Promise<void>>(`(async (counter, start, n) => {
      await start.wait(30)
      for (let i = 0; i < n; i++) counter.withLockSync(() => { counter.value += 1 })
      for (let i = 0; i < n / 10; i++) await counter.withLock(async () => counter.set((await counter.get()) + 1))
    })`)
    const threads = [1, 2].map(() => new ThreadProcess({ target: increment, args: [counter, start, n] }))
    threads.forEach((p) => p.start())
    await start.set()
    for (let i = 0; i < n; i++) counter.withLockSync(() => { counter.value += 1 })
    expect(await Promise.all(threads.map((p) => p.join(60)))).toEqual([0, 0])
    expect(counter.value).toBe(3 * n + 2 * n / 10)
  })

  it("an RLock is re-entered only by the thread holding it: another thread finds it held, and gets it once released", async () => {
    const rlock = kept(new RLock())
    const refused = kept(new Event())
    expect(rlock.acquireSync()).toBe(true)
    const tryIt = target<(rlock: RLock, refused: Event) => Promise<Array<boolean>>>(`(async (rlock, refused) => {
      const tries = [rlock.acquireSync(false), rlock.acquireSync(true, 0.05), await rlock.acquire(false), await rlock.acquire(true, 0.05)]
      await refused.set()
      // Held by this process's main thread: waited for until it is released there.
      tries.push(await rlock.acquire(true, 30))
      tries.push(rlock.acquireSync(false)) // re-entered, by this thread now
      rlock.releaseSync()
      rlock.releaseSync()
      return tries
    })`)
    const p = new ThreadProcess({ target: tryIt, args: [rlock, refused] })
    p.start()
    expect(await refused.wait(30)).toBe(true)
    // Re-entered here, by its holder, while the thread was refused.
    expect(rlock.acquireSync(false)).toBe(true)
    rlock.releaseSync()
    rlock.releaseSync()
    expect(await p.join(60)).toBe(0)
    expect(await p.result()).toEqual([false, false, false, false, true, true])
    expect(rlock.acquireSync(false)).toBe(true)
    rlock.releaseSync()
  })

  it("a blocking acquire waits for another thread's release (no SyncUnsupportedError), from a thread and from the main thread", async () => {
    const lock = kept(new Lock())
    const trying = kept(new Event())
    const holding = kept(new Event())
    const waitThenHold = target<(lock: Lock, trying: Event, holding: Event) => Promise<boolean>>(`(async (lock, trying, holding) => {
      await trying.set()
      const got = lock.acquireSync() // held by the main thread: blocks this thread until it is released there
      await holding.set()
      await new Promise((resolve) => setTimeout(resolve, 200))
      lock.releaseSync()
      return got
    })`)
    expect(lock.acquireSync()).toBe(true)
    const p = new ThreadProcess({ target: waitThenHold, args: [lock, trying, holding] })
    p.start()
    expect(await trying.wait(30)).toBe(true)
    await new Promise((resolve) => setTimeout(resolve, 100))
    lock.releaseSync()
    expect(await holding.wait(30)).toBe(true)
    // Held by the thread now: this blocks the main thread until the thread releases it.
    expect(lock.acquireSync()).toBe(true)
    lock.releaseSync()
    expect(await p.join(60)).toBe(0)
    expect(await p.result()).toBe(true)
  })

  it("a lock whose holding thread ended (terminated, or by process.exit) is taken over by the next taker; a Semaphore's permit stays taken, as a dead process's", async () => {
    const lock = kept(new Lock())
    const rlock = kept(new RLock())
    const semaphore = kept(new BoundedSemaphore(1))
    const held = [kept(new Event()), kept(new Event())]
    const holdThenEnd = target<(how: string, lock: Lock, rlock: RLock, semaphore: BoundedSemaphore, held: Event) => Promise<void>>(`(async (how, lock, rlock, semaphore, held) => {
      if (how === "terminated") {
        await lock.acquire()
        rlock.acquireSync()
        rlock.acquireSync()
        semaphore.acquireSync()
      } else {
        lock.acquireSync()
        await rlock.acquire()
      }
      await held.set()
      if (how === "exit") process.exit(3)
      await new Promise(() => {})
    })`)
    // Another thread and another process already wait when the holder is terminated.
    const waiting = target<(lock: Lock | RLock, sync: boolean) => Promise<boolean>>(`(async (lock, sync) => {
      const got = sync ? lock.acquireSync(true, 30) : await lock.acquire(true, 30)
      if (got) await lock.release()
      return got
    })`)
    const holder = new ThreadProcess({ target: holdThenEnd, args: ["terminated", lock, rlock, semaphore, held[0]] })
    holder.start()
    expect(await held[0].wait(30)).toBe(true)
    const thread = new ThreadProcess({ target: waiting, args: [rlock, true] })
    const otherProcess = new Process({ target: waiting, args: [lock, false] })
    thread.start()
    otherProcess.start()
    await new Promise((resolve) => setTimeout(resolve, 300))
    holder.terminate()
    expect(await holder.join(30)).toBe(-15)
    expect(await Promise.all([thread.join(60), otherProcess.join(60)])).toEqual([0, 0])
    expect(await Promise.all([thread.result(), otherProcess.result()])).toEqual([true, true])
    // Semaphores keep no holders: the permit the thread took is gone with it.
    expect(semaphore.acquireSync(false)).toBe(false)

    const exiting = new ThreadProcess({ target: holdThenEnd, args: ["exit", lock, rlock, semaphore, held[1]] })
    exiting.start()
    expect(await exiting.join(30)).toBe(3)
    expect(await held[1].wait(0)).toBe(true)
    expect(lock.acquireSync(true, 30)).toBe(true)
    expect(await rlock.acquire(true, 30)).toBe(true)
    lock.releaseSync()
    await rlock.release()
    await Promise.all([holder, thread, otherProcess, exiting].map(ended))
  })

  it("a Barrier party in a thread that is terminated while it waits breaks the barrier for the others", async () => {
    const barrier = kept(new Barrier(3))
    const waitThere = target<(barrier: Barrier) => Promise<number>>(`(async (barrier) => barrier.wait(30))`)
    const p = new ThreadProcess({ target: waitThere, args: [barrier] })
    p.start()
    while ((await barrier.nWaiting()) < 1) await new Promise((resolve) => setTimeout(resolve, 20))
    p.terminate()
    expect(await p.join(30)).toBe(-15)
    await expect(barrier.wait(30)).rejects.toBeInstanceOf(BrokenBarrierError)
    expect(await barrier.broken()).toBe(true)
  })
})
