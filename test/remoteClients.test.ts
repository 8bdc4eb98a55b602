/**
 * Processes that cannot map a shared-memory object's segment — a process without the native addon
 * (EFFECT_MULTIPROCESSING_NATIVE=0 in it alone), or one whose attach fails (a remote manager's client on
 * another machine, simulated here by removing the segments' names: the owner still maps them) — are
 * served by the object's owner, and share one and the same object with the processes that map it:
 * a Lock held on one side blocks the other, a Value written by one is read by the other, a Queue's
 * items cross in order with nothing lost, a Barrier and a Condition meet across both. A client that
 * goes away holding the lock has it released. A remote manager's client over TCP is served over
 * that connection. Runs only where the addon is loaded.
 */
import * as fs from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Schedule } from "effect"
import { Barrier, Condition, Event, Lock, Manager, NodeMultiprocessing, Process, ProcessQueue, Semaphore, SharedValue } from "effect-multiprocessing"
import * as compat from "effect-multiprocessing/compat"
import { standInCount } from "../dist/internal/served/throughOwner.js"
import { primitives } from "./support/backend.js"

interface Objects {
  readonly lock: Lock.Lock
  readonly rlock: Lock.Lock
  readonly semaphore: Lock.Lock
  readonly value: SharedValue.SharedValue<"i">
  readonly queue: ProcessQueue.Queue<number>
  readonly event: Event.Event
  readonly barrier: Barrier.Barrier
  readonly cond: Condition.Condition
}

/** The client's side of the exchange (it runs in the child; every wait has a limit). */
const client = async (o: Objects) => {
  const { Effect } = await import("effect")
  return Effect.gen(function*() {
    const limit = { timeout: "30 seconds" } as const
    // The owner's side holds the lock: taken at once it is not; then it waits until released there.
    const heldElsewhere = !(yield* o.lock.acquire({ block: false }))
    const timedOut = (yield* Effect.flip(o.lock.acquire({ timeout: "100 millis" })))._tag
    yield* o.event.set
    yield* o.lock.acquire(limit)
    const seen = yield* o.value.get
    yield* o.value.set(seen + 1)
    yield* o.lock.release
    // An RLock is re-entered by its holder; a semaphore counts.
    yield* o.rlock.acquire()
    yield* o.rlock.acquire()
    yield* o.rlock.release
    yield* o.rlock.release
    yield* o.semaphore.acquire()
    const semaphoreValue = yield* o.semaphore.getValue
    yield* o.semaphore.release
    // Items the other side put, in order; then items of its own for the other side.
    const items: Array<number> = []
    for (let i = 0; i < 50; i++) items.push(yield* o.queue.get(limit))
    for (let i = 100; i < 150; i++) yield* o.queue.put(i)
    const index = yield* o.barrier.wait("30 seconds")
    // Waits until the other side has set the value and notified.
    yield* o.cond.acquire()
    yield* o.cond.waitFor(Effect.map(o.value.get, (v) => v >= 100), "30 seconds")
    const final = yield* o.value.get
    yield* o.cond.release
    // Taken and never released: the owner releases it once this process has gone.
    yield* o.lock.acquire(limit)
    return { heldElsewhere, timedOut, seen, semaphoreValue, items, index, final }
  })
}

/** The mapped side's part, with `start` starting the client; checks what both saw. */
const exchange = (o: Objects, start: Effect.Effect<Process.Process<any>, unknown, any>) =>
  Effect.gen(function*() {
    yield* o.lock.acquire()
    for (let i = 0; i < 50; i++) yield* o.queue.put(i)
    const child = yield* start
    const result = yield* Effect.fork(child.result)
    // A client that fails ends the exchange at once, with its failure.
    const orClientFails = <A, E>(self: Effect.Effect<A, E>) => Effect.raceFirst(self, Effect.zipRight(Fiber.join(result), Effect.never))
    yield* orClientFails(o.event.wait("30 seconds"))
    yield* o.value.set(41)
    yield* o.lock.release
    // Once the client has taken its items and put its own.
    const index = yield* orClientFails(o.barrier.wait("30 seconds"))
    expect(yield* o.value.get).toBe(42)
    const items: Array<number> = []
    for (let i = 0; i < 50; i++) items.push(yield* orClientFails(o.queue.get({ timeout: "30 seconds" })))
    yield* o.cond.withLock(Effect.zipRight(o.value.set(100), o.cond.notifyAll))
    const theirs = (yield* Fiber.join(result)) as {
      heldElsewhere: boolean
      timedOut: string
      seen: number
      semaphoreValue: number
      items: Array<number>
      index: number
      final: number
    }
    expect(theirs.heldElsewhere).toBe(true)
    expect(theirs.timedOut).toBe("TimeoutError")
    expect(theirs.seen).toBe(41)
    expect(theirs.semaphoreValue).toBe(1)
    expect(theirs.items).toEqual(Array.from({ length: 50 }, (_, i) => i))
    expect(items).toEqual(Array.from({ length: 50 }, (_, i) => 100 + i))
    expect([index, theirs.index].sort()).toEqual([0, 1])
    expect(theirs.final).toBe(100)
    // It exited holding the lock: released for it.
    expect(yield* o.lock.acquire({ timeout: "30 seconds" })).toBe(true)
    yield* o.lock.release
    expect(yield* o.queue.qsize).toBe(0)
  })

/** A remote manager's client: source text, as vitest would rewrite a dynamic import written in this file. */
const clientOverTcp = (0, eval)(`(async (port) => {
  const { BaseManager } = await import("effect-multiprocessing/compat")
  class Objects extends BaseManager {}
  for (const name of ["getLock", "getValue", "getTried"]) Objects.register(name)
  const manager = new Objects({ address: ["127.0.0.1", port], authkey: "k" })
  await manager.connect()
  const [lock, value, tried] = [await manager.getLock(), await manager.getValue(), await manager.getTried()]
  const heldThere = !(await lock.acquire(false))
  await tried.set()
  await lock.acquire(true, 30)
  await value.set((await value.get()) + 1)
  await lock.release()
  return heldThere
})`) as (port: number) => Promise<boolean>

/** Starts `target` with the addon disabled in the child alone (it inherits the environment at spawn). */
const startWithoutAddon = (args: [Objects]) =>
  Effect.acquireUseRelease(
    Effect.sync(() => (process.env.EFFECT_MULTIPROCESSING_NATIVE = "0")),
    () => Process.start({ target: client, args }),
    () => Effect.sync(() => delete process.env.EFFECT_MULTIPROCESSING_NATIVE)
  )

/** This process's shared-memory segments now. */
const segmentsHere = () => new Set(fs.readdirSync("/dev/shm").filter((name) => name.startsWith(`emp-prim-${process.pid}-`)))

/** Removes the names of the segments made since `before`: nobody can attach them now; who maps them keeps them. */
const unlinkSegmentsSince = (before: Set<string>) => {
  for (const name of segmentsHere()) if (!before.has(name)) fs.rmSync(`/dev/shm/${name}`, { force: true })
}

const made = (make: {
  lock: Effect.Effect<Lock.Lock, any, any>
  rlock: Effect.Effect<Lock.Lock, any, any>
  semaphore: Effect.Effect<Lock.Lock, any, any>
  value: Effect.Effect<SharedValue.SharedValue<"i">, any, any>
  queue: Effect.Effect<ProcessQueue.Queue<number>, any, any>
  event: Effect.Effect<Event.Event, any, any>
  barrier: Effect.Effect<Barrier.Barrier, any, any>
  cond: Effect.Effect<Condition.Condition, any, any>
}) => Effect.all(make) as Effect.Effect<Objects, any, any>

if (primitives === "shared-memory") {
  describe("clients that cannot map a shared-memory object are served by its owner", () => {
    it.scopedLive("a manager's objects, used by a child without the addon beside a process that maps them", () =>
      Effect.gen(function*() {
        const manager = yield* Manager.make()
        const o = yield* made({
          lock: manager.Lock(),
          rlock: manager.RLock(),
          semaphore: manager.Semaphore(2),
          value: manager.Value("i", 0),
          queue: manager.Queue<number>(),
          event: manager.Event(),
          barrier: manager.Barrier(2),
          cond: manager.Condition()
        })
        yield* exchange(o, startWithoutAddon([o]))
      }).pipe(Effect.provide(NodeMultiprocessing.layer)))

    it.live("a remote manager's client over TCP (compat face), without the addon: its objects are served over that connection", () =>
      Effect.promise(async () => {
        const lock = new compat.Lock()
        const value = compat.Value("i", 0)
        const tried = new compat.Event()
        class Objects extends compat.BaseManager {}
        Objects.register("getLock", () => lock)
        Objects.register("getValue", () => value)
        Objects.register("getTried", () => tried)
        const server = await new Objects({ address: ["127.0.0.1", 0], authkey: "k" }).getServer()
        try {
          expect(await lock.acquire()).toBe(true)
          process.env.EFFECT_MULTIPROCESSING_NATIVE = "0"
          const child = new compat.Process({
            target: clientOverTcp,
            args: [server.address.port]
          })
          try {
            child.start()
          } finally {
            delete process.env.EFFECT_MULTIPROCESSING_NATIVE
          }
          expect(await tried.wait(30)).toBe(true)
          value.value = 41
          await lock.release()
          expect(await child.result()).toBe(true)
          await child.join()
          child.close()
          expect(value.value).toBe(42)
        } finally {
          await server.close()
          for (const object of [lock, value, tried]) object.close()
        }
      }))

    it.scopedLive("objects passed at spawn: to a child without the addon, then to one whose attach fails", () =>
      Effect.gen(function*() {
        const makeAll = () =>
          made({
            lock: Lock.make(),
            rlock: Lock.makeRLock(),
            semaphore: Semaphore.make(2),
            value: SharedValue.makeValue("i", 0),
            queue: ProcessQueue.make<number>(),
            event: Event.make(),
            barrier: Barrier.make(2),
            cond: Condition.make()
          })
        const first = yield* makeAll()
        yield* exchange(first, startWithoutAddon([first]))
        const before = segmentsHere()
        const second = yield* makeAll()
        unlinkSegmentsSince(before)
        yield* exchange(second, Process.start({ target: client, args: [second] }))
      }).pipe(Effect.provide(NodeMultiprocessing.layer)))

    it.scopedLive("a lock a client took and another process released is forgotten once the client has gone", () =>
      Effect.gen(function*() {
        const lock = yield* Lock.make()
        const taken = yield* Event.make()
        const released = yield* Event.make()
        const before = standInCount()
        const child = yield* Effect.acquireUseRelease(
          Effect.sync(() => (process.env.EFFECT_MULTIPROCESSING_NATIVE = "0")),
          () =>
            Process.start({
              target: async (l: Lock.Lock, t: Event.Event, r: Event.Event) => {
                const { Effect } = await import("effect")
                return Effect.gen(function*() {
                  yield* l.acquire({ timeout: "30 seconds" })
                  yield* t.set
                  yield* r.wait("30 seconds")
                  return true
                })
              },
              args: [lock, taken, released]
            }) as Effect.Effect<Process.Process<any>, unknown, any>,
          () => Effect.sync(() => delete process.env.EFFECT_MULTIPROCESSING_NATIVE)
        )
        yield* taken.wait("30 seconds")
        expect(standInCount()).toBe(before + 1)
        // A Lock may be released by anyone: this process releases what the client's stand-in holds.
        yield* lock.release
        yield* released.set
        expect(yield* child.result).toBe(true)
        yield* child.join()
        // The client's connection closes after its exit: until then its stand-in may stay.
        yield* Effect.sync(standInCount).pipe(
          Effect.repeat({ until: (count) => count === before, schedule: Schedule.spaced("20 millis") }),
          Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => new Error(`${standInCount() - before} stand-in(s) kept`) })
        )
      }).pipe(Effect.provide(NodeMultiprocessing.layer)))
  })
}
