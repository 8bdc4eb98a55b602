import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, FastCheck as fc, Schema } from "effect"
import { Connection, NodeMultiprocessing, Pipe, Process, Serializer, Target } from "effect-multiprocessing"
import type * as Tasks from "./fixtures/tasks.js"

const tasks = Target.module<typeof Tasks>(new URL("./fixtures/tasks.ts", import.meta.url))

describe("Pipe", () => {
  it.scopedLive("duplex: both ends send and receive, objects and bytes", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Pipe.make()
      yield* a.send([42, null, "hello"])
      expect(yield* b.recv).toEqual([42, null, "hello"])
      yield* b.sendBytes(Buffer.from("back"))
      expect(Buffer.from(yield* a.recvBytes()).toString()).toBe("back")
    }))

  it.scopedLive("duplex false gives a reader and a writer; each refuses the other direction; EOF once the writer closes", () =>
    Effect.gen(function*() {
      const [reader, writer] = yield* Pipe.make({ duplex: false })
      expect([reader.readable, reader.writable, writer.readable, writer.writable]).toEqual([true, false, false, true])
      expect(yield* reader.send("x").pipe(Effect.flip)).toMatchObject({ _tag: "OSError", message: "connection is read-only" })
      expect(yield* writer.recv.pipe(Effect.flip)).toMatchObject({ _tag: "OSError", message: "connection is write-only" })
      yield* writer.send("only message")
      yield* writer.close
      expect(yield* reader.recv).toBe("only message")
      expect((yield* reader.recv.pipe(Effect.flip))._tag).toBe("EOFError")
    }))

  it.scopedLive("a Schema-typed pipe gives back class instances and fails with ParseError on bad data", () =>
    Effect.gen(function*() {
      class Task extends Schema.Class<Task>("Task")({ id: Schema.Number, name: Schema.String }) {
        get label() {
          return `${this.id}:${this.name}`
        }
      }
      const [a, b] = yield* Pipe.make({ serializer: Serializer.schema(Task) })
      yield* a.send(new Task({ id: 1, name: "first" }))
      const task = yield* b.recv
      expect(task).toBeInstanceOf(Task)
      expect(task.label).toBe("1:first")
      yield* a.sendBytes(Either.getOrThrow(Serializer.unknown.encode({ id: "one" })))
      expect((yield* b.recv.pipe(Effect.flip))._tag).toBe("ParseError")
    }))

  it.scopedLive.prop(
    "values keep their order and boundaries",
    [fc.array(fc.anything({ withMap: true, withSet: true, withDate: true, withBigInt: true, withTypedArray: true }), { maxLength: 20 })],
    ([values]) =>
      Effect.gen(function*() {
        const [a, b] = yield* Pipe.make()
        yield* Effect.forEach(values, (v) => a.send(v))
        expect(yield* Effect.forEach(values, () => b.recv)).toEqual(values)
      }),
    { fastCheck: { numRuns: 20 } }
  )
})

describe("Pipe ends passed to child processes", () => {
  it.scopedLive("Python's Pipe example: the child sends through its end, the descriptor itself was handed over", () =>
    Effect.gen(function*() {
      const [parentConn, childConn] = yield* Pipe.make()
      const p = yield* Process.start({
        target: (conn: Connection.Connection) => conn.send([42, null, "hello", process.pid]),
        args: [childConn]
      })
      yield* childConn.close // the parent's copy: from now on only the child holds that end
      const [answer, , , pid] = (yield* parentConn.recv) as [number, null, string, number]
      expect(answer).toBe(42)
      expect(pid).toBe(p.pid)
      expect(yield* p.join()).toBe(0)
      // Every copy of the other end is closed now: end of file.
      expect((yield* parentConn.recv.pipe(Effect.flip))._tag).toBe("EOFError")
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.scopedLive("two children talk over a pipe directly, both directions; nested in an object too", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Pipe.make()
      const server = yield* Process.start({
        target: async (ends: { conn: Connection.Connection }) => {
          const { Effect } = await import("effect")
          return Effect.gen(function*() {
            for (;;) {
              const request = yield* ends.conn.recv
              if (request === null) return "served"
              yield* ends.conn.send(`Processed: ${request}`)
            }
          })
        },
        args: [{ conn: a }]
      })
      const client = yield* Process.start({
        target: async (conn: Connection.Connection) => {
          const { Effect } = await import("effect")
          return Effect.forEach([0, 1, 2], (i) => Effect.zipRight(conn.send(`request_${i}`), conn.recv)).pipe(
            Effect.tap(() => conn.send(null))
          )
        },
        args: [b]
      })
      yield* a.close
      yield* b.close
      expect(yield* client.result).toEqual(["Processed: request_0", "Processed: request_1", "Processed: request_2"])
      expect(yield* server.result).toBe("served")
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.scopedLive("a Connection inside a message fails that send with SerializationError saying how it can travel; nothing is sent", () =>
    Effect.gen(function*() {
      const [here, there] = yield* Pipe.make()
      const [other] = yield* Pipe.make()
      const child = yield* Process.start({ target: (conn: Connection.Connection) => conn.recv, args: [there] })
      const error = yield* Effect.flip(here.send({ reply: other, note: "answer here" }))
      expect(error._tag).toBe("SerializationError")
      expect(error.message).toBe(
        "cannot serialize this value: a Connection (at value.reply) is not data: it can only be handed to a child as an " +
          "argument of a Process (or of a Pool's initializer), which passes its descriptor over at start, not inside a " +
          "message, a queue item or a task's arguments"
      )
      yield* here.send("the next message")
      expect(yield* child.result).toBe("the next message")
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.scopedLive("Connections inside a Map or a class instance among a Process's arguments are handed over too", () =>
    Effect.gen(function*() {
      class Route {
        constructor(readonly name: string, readonly conn: Connection.Connection) {}
      }
      const [a, b] = yield* Pipe.make()
      const [c, d] = yield* Pipe.make()
      const child = yield* Process.start({
        target: async (routes: Map<string, Connection.Connection>, route: { name: string; conn: Connection.Connection }) => {
          const { Effect } = await import("effect")
          return Effect.all([routes.get("first")!.send("through the Map"), route.conn.send(`through ${route.name}`)])
        },
        args: [new Map([["first", b]]), new Route("the Route", d)]
      })
      expect(yield* a.recv).toBe("through the Map")
      expect(yield* c.recv).toBe("through the Route")
      expect(yield* child.join()).toBe(0)
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.scopedLive("a child that returns a Connection fails its result with SerializationError naming it, not {}", () =>
    Effect.gen(function*() {
      const child = yield* Process.start({ target: tasks.returnPipeEnd })
      const error = yield* Effect.flip(child.result)
      expect(error._tag).toBe("SerializationError")
      expect(error.message).toMatch(/^the value returned by returnPipeEnd \(.*\) cannot be sent to the parent: a Connection \(at result\.end\) is not data: it can only be handed to a child as an argument of a Process/)
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.scopedLive("a child that returns right after its last send loses nothing: its frames go out before it exits", () =>
    Effect.gen(function*() {
      const [here, there] = yield* Pipe.make()
      const p = yield* Process.start({
        target: async (conn: Connection.Connection, count: number) => {
          const { Effect } = await import("effect")
          const message = new Uint8Array(1024)
          return Effect.forEach(Array.from({ length: count }, (_, i) => i), () => conn.sendBytes(message), { discard: true })
        },
        args: [there, 5000]
      })
      yield* there.close
      // Let the child fill the socket's buffers first, so its last frames wait in Node's queue when it returns.
      yield* Effect.sleep("300 millis")
      let received = 0
      for (;;) {
        const next = yield* here.recvBytes().pipe(Effect.either)
        if (next._tag === "Left") {
          expect(next.left._tag).toBe("EOFError")
          break
        }
        // A slow reader: the child finishes while its socket is still backed up.
        if (++received % 250 === 0) yield* Effect.sleep("5 millis")
      }
      expect(received).toBe(5000)
      expect(yield* p.join()).toBe(0)
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.scopedLive("bytes sent to an end before it is handed to a child reach the child, however long they waited", () =>
    Effect.gen(function*() {
      const [reader, writer] = yield* Pipe.make({ duplex: false })
      yield* writer.send("hello")
      // Event-loop turns between the send and the start: the parent's socket must not have read them.
      yield* Effect.sleep("50 millis")
      const p = yield* Process.start({ target: (conn: Connection.Connection) => conn.recv, args: [reader] })
      yield* reader.close
      yield* writer.close
      expect(yield* p.result).toBe("hello")
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.scopedLive("the parent's copy of an end handed to a child still receives, in order, messages before and after", () =>
    Effect.gen(function*() {
      const [reader, writer] = yield* Pipe.make({ duplex: false })
      yield* writer.send("before")
      const p = yield* Process.start({ target: (_conn: Connection.Connection) => 0, args: [reader] })
      expect(yield* p.join()).toBe(0)
      yield* writer.send("after")
      expect(yield* reader.recv).toBe("before")
      expect(yield* reader.recv).toBe("after")
      // Nothing there now: the receive waits, and a later send wakes it.
      const waiting = yield* Effect.fork(reader.recv)
      yield* Effect.sleep("50 millis")
      yield* writer.send("later")
      expect(yield* waiting).toBe("later")
      // wait() sees it ready once a message is there, and leaves it there.
      const notYet = yield* Connection.wait([reader], 0)
      yield* writer.send("last")
      expect(yield* Connection.wait([reader], "20 seconds")).toEqual([reader])
      expect(yield* reader.recv).toBe("last")
      expect(notYet).toEqual([])
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))

  it.scopedLive.prop(
    "a child that polls a shared reading end and exits takes nothing: the next holder receives every message, in order",
    // Both orders in each run, each with random messages of its own (a run costs four child processes).
    [fc.array(fc.uint8Array({ maxLength: 3000 }), { minLength: 1, maxLength: 6 }), fc.array(fc.uint8Array({ maxLength: 3000 }), { minLength: 1, maxLength: 6 })],
    (messagesOfEach) =>
      Effect.forEach([true, false], (whilePolling, order) => Effect.gen(function*() {
        const messages = messagesOfEach[order]
        const [reader, writer] = yield* Pipe.make({ duplex: false })
        const [pollingReader, pollingWriter] = yield* Pipe.make({ duplex: false })
        const poller = yield* Process.start({
          target: async (conn: Connection.Connection, polling: Connection.Connection) => {
            const { Effect } = await import("effect")
            await Effect.runPromise(polling.send("polling"))
            return Effect.runPromise(conn.poll("20 seconds"))
          },
          args: [reader, pollingWriter]
        })
        // The messages come while the child polls, or before it starts to.
        if (whilePolling) expect(yield* pollingReader.recv).toBe("polling")
        yield* Effect.forEach(messages, (m) => writer.sendBytes(m), { discard: true })
        if (!whilePolling) expect(yield* pollingReader.recv).toBe("polling")
        expect(yield* poller.result).toBe(true)
        const taker = yield* Process.start({
          target: async (conn: Connection.Connection, count: number) => {
            const { Effect } = await import("effect")
            return Effect.runPromise(Effect.forEach(Array.from({ length: count }), () => conn.recvBytes()))
          },
          args: [reader, messages.length]
        })
        const received = (yield* taker.result) as Array<Uint8Array>
        expect(received.map((m) => [...m])).toEqual(messages.map((m) => [...m]))
      }), { discard: true }).pipe(Effect.provide(NodeMultiprocessing.layer)),
    { fastCheck: { numRuns: 1 }, timeout: 120_000 }
  )

  it.scopedLive("an end read from before it is handed over gives the child what this process had not received", () =>
    Effect.gen(function*() {
      const [reader, writer] = yield* Pipe.make({ duplex: false })
      yield* Effect.forEach(["one", "two", "three"], (m) => writer.send(m), { discard: true })
      expect(yield* reader.recv).toBe("one")
      yield* Effect.sleep("50 millis")
      const p = yield* Process.start({
        target: async (conn: Connection.Connection) => {
          const { Effect } = await import("effect")
          return Effect.runPromise(Effect.all([conn.recv, conn.recv]))
        },
        args: [reader]
      })
      yield* reader.close
      expect(yield* p.result).toEqual(["two", "three"])
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))
})
