import * as net from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { AttributeError, Manager, NodeMultiprocessing, Pipe, Process, ProcessQueue, Target } from "effect-multiprocessing"
import * as compat from "effect-multiprocessing/compat"
import type * as Tasks from "./fixtures/tasks.js"
import { runUnderTsx } from "./support/processes.js"

const tasks = Target.module<typeof Tasks>(new URL("./fixtures/tasks.ts", import.meta.url))

const tagOf = (error: unknown) => (error as { _tag?: string })._tag

/** The proxy of tasks.makeCounter's objects, as a manager gives it. */
interface CounterProxy {
  readonly increment?: (by: number) => Effect.Effect<number, unknown>
  readonly get: () => Effect.Effect<number, unknown>
  readonly fail: (message: string) => Effect.Effect<never, unknown>
  readonly call: (method: string, ...args: Array<unknown>) => Effect.Effect<unknown, unknown>
}

class SharedState extends Context.Tag("test/SharedState")<SharedState, Manager.Manager>() {}

describe("Manager (Effect face)", () => {
  it.live("Manager.layer provides a started manager for a Tag, and shuts it down with the Layer", () =>
    Effect.gen(function*() {
      const { pid, proxy, value } = yield* Effect.gen(function*() {
        const manager = yield* SharedState
        const d = yield* manager.dict<string, number>()
        yield* Process.run({ target: (d: Manager.DictHandle<string, number>) => d.setItem("answer", 42), args: [d] })
        return { pid: manager.pid, proxy: d, value: yield* d.getItem("answer") }
      }).pipe(Effect.provide(Manager.layer(SharedState).pipe(Layer.provideMerge(NodeMultiprocessing.layer))))
      expect(value).toBe(42)
      expect(pid).not.toBe(process.pid)
      // The Layer's scope has closed: the manager is gone, and so are its objects.
      expect((yield* Effect.flip(proxy.getItem("answer")))._tag).toBe("OwnerGoneError")
    }))

  it.scopedLive("a dict and a list made by the manager, changed by a child, seen by the parent", () =>
    Effect.gen(function*() {
      const manager = yield* Manager.make()
      const d = yield* manager.dict()
      const l = yield* manager.list([0, 1, 2, 3])
      yield* Process.run({
        target: async (d: any, l: any) => {
          const { Effect } = await import("effect")
          return Effect.all([d.setItem(1, "1"), d.setItem("2", 2), d.setItem(0.25, null), l.reverse])
        },
        args: [d, l]
      })
      expect(yield* d.items).toEqual([[1, "1"], ["2", 2], [0.25, null]])
      expect(yield* l.toArray).toEqual([3, 2, 1, 0])
      expect(manager.pid).not.toBe(process.pid)
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.scopedLive("an authkey that is not bytes is a TypeError at the call: make, connect and serve", () =>
    Effect.gen(function*() {
      const authkey = 42 as unknown as Uint8Array
      const address = { host: "127.0.0.1", port: 0 }
      for (const attempt of [Manager.make({ address, authkey }), Manager.connect({ address, authkey }), Manager.serve({ address, authkey, register: {} })]) {
        const error = yield* Effect.flip(attempt as Effect.Effect<unknown, unknown, any>)
        expect(error).toMatchObject({ _tag: "TypeError", message: expect.stringMatching(/^authkey must be bytes/) })
      }
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.scopedLive("a dict stored in a list stays a live proxy; plain values inside are copies", () =>
    Effect.gen(function*() {
      const manager = yield* Manager.make()
      const inner = yield* manager.dict()
      const outer = yield* manager.list()
      yield* outer.append(inner)
      yield* outer.append({ plain: [1] })
      const fromList = (yield* outer.getItem(0)) as typeof inner
      yield* fromList.setItem("through", "the list")
      expect(yield* inner.getItem("through")).toBe("the list")
      const plain = (yield* outer.getItem(1)) as { plain: Array<number> }
      plain.plain.push(2)
      expect(yield* outer.getItem(1)).toEqual({ plain: [1] })
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.scopedLive("primitives from the manager: a Lock, a Queue and an Event work from children", () =>
    Effect.gen(function*() {
      const manager = yield* Manager.make()
      const lock = yield* manager.Lock()
      const q = yield* manager.Queue()
      const ready = yield* manager.Event()
      yield* Effect.all([1, 2, 3].map((i) =>
        Process.run({
          target: (lock: any, q: any, i: number) => {
            return lock.withLock(q.put(i))
          },
          args: [lock, q, i]
        })
      ), { concurrency: "unbounded" })
      yield* ready.set
      const got = yield* Effect.forEach([1, 2, 3], () => q.get({ timeout: "5 seconds" }))
      expect([...got].sort()).toEqual([1, 2, 3])
      expect(yield* ready.isSet).toBe(true)
      expect(yield* lock.acquire({ block: false })).toBe(true)
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.scopedLive("a Condition on the manager's own Lock; Value and Array without locks", () =>
    Effect.gen(function*() {
      const manager = yield* Manager.make()
      const lock = yield* manager.Lock()
      const cond = yield* manager.Condition(lock)
      expect(yield* cond.withLock(cond.wait("10 millis")).pipe(Effect.flip)).toMatchObject({ _tag: "TimeoutError" })
      const v = yield* manager.Value("i", 7)
      const a = yield* manager.Array("d", [1.5, 2.5])
      yield* v.set(8)
      expect(yield* v.get).toBe(8)
      expect(yield* a.toArray).toEqual([1.5, 2.5])
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.scopedLive("registered types: exposed methods only; an unexposed one is an AttributeError naming it", () =>
    Effect.gen(function*() {
      const manager = yield* Manager.make({
        register: {
          Counter: tasks.makeCounter,
          Limited: { callable: tasks.makeCounter, exposed: ["get"] }
        }
      })
      const counter = yield* manager.create<CounterProxy>("Counter", 10)
      expect(yield* counter.increment!(5)).toBe(15)
      expect(yield* counter.get()).toBe(15)
      const limited = yield* manager.create<CounterProxy>("Limited", 1)
      expect(yield* limited.get()).toBe(1)
      expect(limited.increment).toBeUndefined()
      const error = yield* Effect.flip(limited.call("increment", 1))
      expect(error).toBeInstanceOf(AttributeError)
      expect(tagOf(error)).toBe("AttributeError")
      expect((error as Error).message).toContain("increment")
      const thrown = yield* Effect.flip(counter.fail("boom"))
      expect((thrown as { type: string }).type).toBe("RangeError")
      const unknown = yield* Effect.flip(manager.create("Nope"))
      expect(tagOf(unknown)).toBe("ValueError")
      expect((unknown as Error).message).toContain("unknown typeid 'Nope'")
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.scopedLive("a manager that does not serve within 30 s is killed, and start fails naming the 30 s (both faces)", () =>
    Effect.gen(function*() {
      // An initializer that never returns: the manager process lives and never says it serves.
      const hang = () => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)
      const [effectFace, compatFace] = yield* Effect.all([
        Effect.flip(Manager.make({ initializer: hang })),
        Effect.promise(() => new compat.BaseManager().start({ initializer: hang }).then(() => undefined, (error) => error))
      ], { concurrency: 2 })
      expect(effectFace).toMatchObject({ _tag: "ProcessError" })
      expect(compatFace).toBeInstanceOf(compat.ProcessError)
      for (const error of [effectFace, compatFace]) expect(error.message).toContain("did not start serving within 30s")
    }).pipe(Effect.provide(NodeMultiprocessing.layer)), 120_000)

  it.scopedLive("when the manager shuts down, every proxy fails promptly with OwnerGoneError", () =>
    Effect.gen(function*() {
      const manager = yield* Manager.make()
      const d = yield* manager.dict()
      const q = yield* manager.Queue()
      const waiting = yield* Effect.fork(Effect.flip(q.get()))
      yield* Effect.sleep("20 millis")
      yield* manager.shutdown
      const error = yield* Effect.fromFiber(waiting)
      expect(tagOf(error)).toBe("OwnerGoneError")
      expect(tagOf(yield* Effect.flip(d.setItem("a", 1)))).toBe("OwnerGoneError")
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))
})

describe("the manager object itself, as opposed to its proxies", () => {
  const refusal = "is not data: send the proxies it makes instead (a dict, a list, a Lock …), which reach its server from any process"

  it.scopedLive("Effect face: a Manager in a message or a queue item is refused by name; its proxies beside it travel", () =>
    Effect.gen(function*() {
      const manager = yield* Manager.make()
      const d = yield* manager.dict()
      const [here, there] = yield* Pipe.make()
      const child = yield* Process.start({
        target: async (conn: any) => {
          const { Effect } = await import("effect")
          return Effect.flatMap(conn.recv, ({ d }: any) => d.setItem("from", "the child"))
        },
        args: [there]
      })
      const sent = yield* Effect.flip(here.send({ manager, d }))
      expect(tagOf(sent)).toBe("SerializationError")
      expect(sent.message).toContain(`a Manager (at value.manager) ${refusal}`)
      const q = yield* ProcessQueue.make()
      expect((yield* Effect.flip(q.put([manager]))).message).toContain(`a Manager (at value[0]) ${refusal}`)
      yield* here.send({ d })
      yield* child.result
      expect(yield* d.getItem("from")).toBe("the child")
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.live("compat face: a manager among a Process's arguments fails start() by name; its proxies travel", () =>
    Effect.promise(async () => {
      const manager = await compat.Manager()
      try {
        const d = await manager.dict()
        const refused = new compat.Process({ target: (_m: unknown) => 1, args: [{ manager }] })
        expect(() => refused.start()).toThrow(compat.SerializationError)
        expect(() => refused.start()).toThrow(`a manager (at args[0].manager) ${refusal}`)
        refused.close()
        const p = new compat.Process({ target: async (d: any) => d.setItem("from", "the child"), args: [d] })
        p.start()
        await p.join()
        p.close()
        expect(await d.getItem("from")).toBe("the child")
      } finally {
        await manager.shutdown()
      }
    }))
})

describe("Manager (compat face)", () => {
  it.live("Python's Manager example: d[1] = '1' … l.reverse() from a child", () =>
    Effect.promise(async () => {
      const manager = await compat.Manager()
      try {
        const d = await manager.dict()
        const l = await manager.list(Array.from({ length: 10 }, (_, i) => i))
        const p = new compat.Process({
          target: async (d: any, l: any) => {
            await d.setItem(1, "1")
            await d.setItem("2", 2)
            await d.setItem(0.25, null)
            await l.reverse()
          },
          args: [d, l]
        })
        p.start()
        await p.join()
        p.close()
        expect(await d.items()).toEqual([[1, "1"], ["2", 2], [0.25, null]])
        expect(await l.toArray()).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0])
      } finally {
        await manager.shutdown()
      }
    }))

  it.live("BaseManager.register: a subclass's types are its own; start, create, shutdown", () =>
    Effect.promise(async () => {
      class CounterManager extends compat.BaseManager {}
      CounterManager.register("Counter", tasks.makeCounter)
      class Other extends compat.BaseManager {}
      expect("Counter" in Other.prototype).toBe(false)
      const manager = new CounterManager()
      await manager.start()
      const counter = await (manager as any).Counter(1)
      expect(await counter.increment(2)).toBe(3)
      await manager.shutdown()
      await expect(counter.get()).rejects.toBeInstanceOf(compat.OwnerGoneError)
    }))

  it.live("start({ initializer, initargs }) runs in the manager before it serves; await using shuts it down", () =>
    Effect.promise(async () => {
      class FlagManager extends compat.BaseManager {}
      FlagManager.register("FlagReader", tasks.makeFlagReader)
      let reader: any
      {
        await using manager = new FlagManager()
        await manager.start({ initializer: tasks.setManagerFlag, initargs: ["set by the initializer"] })
        reader = await (manager as any).FlagReader()
        expect(await reader.read()).toBe("set by the initializer")
      }
      await expect(reader.read()).rejects.toBeInstanceOf(compat.OwnerGoneError)
    }))

  it.live("under tsx, an inline registered callable and initializer get what inline Process targets get (__name, require)", () =>
    Effect.promise(async () => {
      const run = await runUnderTsx("tsx-inline-helpers.ts", ["manager"])
      expect(run.stderr).toBe("")
      expect(JSON.parse(run.stdout)).toEqual({ incremented: 15, initialized: "counter: string" })
      expect(run.code).toBe(0)
    }), 60_000)

  it.live("getServer: listening once it resolves (the picked port known), one per process, a taken port rejects, close() ends serveForever", () =>
    Effect.promise(async () => {
      const queue = new compat.Queue<string>()
      class QueueManager extends compat.BaseManager {}
      QueueManager.register("getQueue", () => queue)
      const server = await new QueueManager({ address: ["127.0.0.1", 0], authkey: "k" }).getServer()
      expect(server.address.port).toBeGreaterThan(0)
      const second = new QueueManager({ address: ["127.0.0.1", 0], authkey: "k" })
      await expect(second.getServer()).rejects.toMatchObject({
        _tag: "ProcessStateError",
        message: expect.stringContaining(`already serves a manager over TCP (at 127.0.0.1:${server.address.port})`)
      })

      // The first still serves: the failed second one took nothing from it.
      const client = new QueueManager({ address: ["127.0.0.1", server.address.port], authkey: "k" })
      await client.connect()
      await ((await (client as any).getQueue()) as compat.Queue<string>).put("from a client")
      expect(await queue.get({ timeout: 10 })).toBe("from a client")
      const serving = server.serveForever()
      await server.close()
      await expect(serving).resolves.toBeUndefined()

      // A port another server holds: OSError, as Python's bind raises.
      const holder = net.createServer()
      await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve))
      const port = (holder.address() as net.AddressInfo).port
      await expect(new QueueManager({ address: ["127.0.0.1", port], authkey: "k" }).getServer())
        .rejects.toMatchObject({ _tag: "OSError", code: "EADDRINUSE" })
      await new Promise((resolve) => holder.close(resolve))
      queue.close()
    }))

  it.live("remote manager over TCP: a queue served by one process, used by a client process; a wrong authkey fails", () =>
    Effect.promise(async () => {
      const [here, there] = await compat.Pipe()
      const server = new compat.Process({ target: tasks.serveQueueManager, args: [there, "abracadabra"] })
      server.start()
      there.close()
      const { port } = (await here.recv()) as { port: number }
      const client = new compat.Process({ target: tasks.queueManagerClient, args: [port, "abracadabra"] })
      client.start()
      expect(await client.result()).toBe("sent")
      await client.join()
      client.close()
      expect(await here.recv()).toBe("hello") // the server's own queue got the client's put
      expect(await here.recv()).toBe("hello from a child") // and its child's
      class QueueManager extends compat.BaseManager {}
      QueueManager.register("getQueue")
      const wrong = new QueueManager({ address: ["127.0.0.1", port], authkey: "wrong" })
      const refused = await wrong.connect().then(() => undefined, (error) => error)
      expect(refused).toBeInstanceOf(compat.AuthenticationError)
      // In a manager's words: a client of a manager has no Listener or Client to give a key to.
      expect(refused.message).toBe(
        "digest sent was rejected: the two ends were given different authkeys: connect with the `authkey` the manager serves with"
      )
      server.terminate()
      await server.join()
      server.close()
      here.close()
    }))
})
