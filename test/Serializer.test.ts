import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, FastCheck as fc, Schema } from "effect"
import { Event, Listener, Lock, NodeMultiprocessing, Pipe, Process, ProcessQueue, Serializer } from "effect-multiprocessing"
import * as compat from "effect-multiprocessing/compat"

/** Values structured clone carries, as fast-check arbitraries. */
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.bigInt(),
    fc.date({ noInvalidDate: true }),
    fc.uint8Array(),
    fc.float64Array(),
    fc.int32Array(),
    fc.constantFrom(/a+b/gi, /x/)
  ),
  node: fc.oneof(
    { depthSize: "small" },
    tie("leaf"),
    fc.array(tie("node"), { maxLength: 5 }),
    fc.dictionary(fc.string(), tie("node"), { maxKeys: 5 }),
    fc.array(fc.tuple(tie("leaf"), tie("node")), { maxLength: 4 }).map((entries) => new Map(entries)),
    fc.array(tie("leaf"), { maxLength: 5 }).map((items) => new Set(items))
  )
})).node

const roundTrip = (v: unknown) =>
  Either.getOrThrow(Either.flatMap(Serializer.unknown.encode(v), Serializer.unknown.decode))

describe("Serializer.unknown", () => {
  it.prop("round-trips anything structured clone carries", [value], ([v]) => {
    expect(roundTrip(v)).toEqual(v)
  })

  it("keeps cycles, shared references, Errors, -0, NaN, sparse arrays and null prototypes' data", () => {
    const cyclic: Record<string, unknown> = { name: "root" }
    cyclic.self = cyclic
    const back = roundTrip(cyclic) as Record<string, unknown>
    expect(back.self).toBe(back)

    const error = roundTrip(new TypeError("bad type")) as TypeError
    expect(error).toBeInstanceOf(TypeError)
    expect(error.message).toBe("bad type")
    expect(error.stack).toContain("Serializer.test")

    expect(Object.is(roundTrip(-0), -0)).toBe(true)
    expect(roundTrip(NaN)).toBeNaN()
    expect(roundTrip([1, , 3])).toEqual([1, , 3])
    expect(roundTrip({ a: undefined })).toHaveProperty("a", undefined)
    expect(roundTrip(2n ** 100n)).toBe(2n ** 100n)
  })

  it("fails with SerializationError naming the problem and where it is, for functions, symbols and Promises", () => {
    const cases: Array<[unknown, string]> = [
      [() => 1, "a function is not data: send the data it needs instead"],
      [Symbol("s"), "the symbol s is not data: a symbol is unique to its process; send a string instead"],
      [{ nested: [0, { onDone: function onDone() {} }] }, "the function onDone (at value.nested[1].onDone) is not data"],
      [new Map([["job", { "a key": Symbol.iterator }]]), 'the symbol Symbol.iterator (at value.get("job")["a key"]) is not data'],
      [{ pending: Promise.resolve(1) }, "a Promise (at value.pending) is not data: it settles only in this process; await it and send its value"]
    ]
    for (const [bad, expected] of cases) {
      const result = Serializer.unknown.encode(bad)
      expect(Either.isLeft(result) && result.left._tag).toBe("SerializationError")
      expect(Either.isLeft(result) && result.left.message).toMatch(/^cannot serialize this value: /)
      expect(Either.isLeft(result) && result.left.message).toContain(expected)
    }
    // What V8 itself refuses keeps V8's words, once (V8's own message ends with a period).
    const weak = Serializer.unknown.encode({ cache: new WeakMap() })
    expect(Either.isLeft(weak) && weak.left.message).toMatch(/^cannot serialize this value: #<WeakMap> could not be cloned\. Send data: /)
    expect(Either.isLeft(weak) && weak.left.message).not.toContain("..")
    const garbage = Serializer.unknown.decode(new Uint8Array([0xff, 0x0f, 0x63]))
    expect(Either.isLeft(garbage) && garbage.left._tag).toBe("SerializationError")
  })

  it.scopedLive("what lives in one process (a Connection, a Listener, a Process, either face) is refused by name, never sent as {}", () =>
    Effect.gen(function*() {
      const [end] = yield* Pipe.make()
      const [compatEnd, compatOtherEnd] = yield* Effect.promise(() => compat.Pipe())
      const listener = yield* Listener.make()
      const child = yield* Process.make({ target: () => 1 })
      const compatChild = new compat.Process({ target: () => 1 })
      const messageOf = (value: unknown) => {
        const result = Serializer.unknown.encode(value)
        return Either.isLeft(result) ? result.left.message : "sent"
      }
      const asProcessArgument = "is not data: it can only be handed to a child as an argument of a Process"
      expect(messageOf({ reply: end })).toContain(`a Connection (at value.reply) ${asProcessArgument}`)
      expect(messageOf(new Set([compatEnd]))).toContain(`a Connection (at value.values()) ${asProcessArgument}`)
      expect(messageOf(compatEnd)).toContain(`cannot serialize this value: a Connection ${asProcessArgument}`)
      expect(messageOf({ listener })).toContain("a Listener (at value.listener) is not data: it accepts connections only in the process that made it")
      expect(messageOf([child])).toContain("a Process (at value[0]) is not data: it is its parent's handle on the child process")
      expect(messageOf([1, compatChild])).toContain("a Process (at value[1]) is not data")
      // Both ends: an end whose peer closed is not closed with it (it reads nothing until asked).
      compatEnd.close()
      compatOtherEnd.close()
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))
})

class Point extends Schema.Class<Point>("Point")({ x: Schema.Number, y: Schema.Number, at: Schema.Date }) {
  get norm() {
    return Math.hypot(this.x, this.y)
  }
}

describe("Serializer.schema", () => {
  const points = Serializer.schema(Point)

  it.prop("gives back Schema.Class instances", [fc.double({ noNaN: true }), fc.double({ noNaN: true }), fc.date({ noInvalidDate: true })], ([x, y, at]) => {
    const back = Either.getOrThrow(Either.flatMap(points.encode(new Point({ x, y, at })), points.decode))
    expect(back).toBeInstanceOf(Point)
    expect(back).toEqual(new Point({ x, y, at }))
  })

  it("fails with a ParseError that says what is wrong", () => {
    const bytes = Either.getOrThrow(Serializer.unknown.encode({ x: 1, y: "two", at: new Date(0).toISOString() }))
    const result = points.decode(bytes)
    expect(Either.isLeft(result) && result.left._tag).toBe("ParseError")
    expect(Either.isLeft(result) && result.left.message).toContain("y")
  })
})

describe("values crossing into a child process", () => {
  it.live.prop(
    "arrive intact in a child, which sends back what it received and how it saw it",
    [fc.array(value, { maxLength: 8 })],
    ([values]) =>
      Effect.gen(function*() {
        const echoed = yield* Process.run({
          target: (received: Array<unknown>) => ({ received, types: received.map((v) => Object.prototype.toString.call(v)) }),
          args: [values]
        })
        expect(echoed.received).toEqual(values)
        expect(echoed.types).toEqual(values.map((v) => Object.prototype.toString.call(v)))
      }).pipe(Effect.provide(NodeMultiprocessing.layer)),
    { fastCheck: { numRuns: 12 } }
  )

  it.live("Map, Set, BigInt, Date and typed arrays are real instances in the child", () =>
    Effect.gen(function*() {
      const described = yield* Process.run({
        target: (m: Map<string, Set<bigint>>, d: Date, a: Float64Array) => ({
          mapType: m.constructor.name,
          setSize: m.get("k")!.size,
          year: d.getUTCFullYear(),
          sum: a.reduce((x, y) => x + y, 0)
        }),
        args: [new Map([["k", new Set([1n, 2n])]]), new Date(Date.UTC(2020, 0, 1)), new Float64Array([1.5, 2.5])]
      })
      expect(described).toEqual({ mapType: "Map", setSize: 2, year: 2020, sum: 4 })
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))
})

/** Not a Schema class: the default codec copies its fields, and a primitive among them travels as a proxy. */
class Job {
  constructor(readonly name: string, readonly done: Event.Event, readonly lock: Lock.Lock) {}
  describe() {
    return this.name
  }
}

describe("shared primitives inside class instances", () => {
  it.scopedLive("reach a child as working proxies — over a Pipe, through a Queue and as a Process argument", () =>
    Effect.gen(function*() {
      const viaPipe = new Job("pipe", yield* Event.make(), yield* Lock.make())
      const viaQueue = new Job("queue", yield* Event.make(), yield* Lock.make())
      const asArgument = new Job("argument", yield* Event.make(), yield* Lock.make())
      const [here, there] = yield* Pipe.make()
      const q = yield* ProcessQueue.make()
      const child = yield* Process.start({
        target: async (conn: any, q: any, job: any) => {
          const { Effect } = await import("effect")
          // Each job arrives as a plain object of its fields; the Event and Lock among them are proxies.
          const use = (job: any) =>
            Effect.gen(function*() {
              yield* job.lock.acquire()
              yield* job.lock.release
              yield* job.done.set
              return `${job.name}:${typeof job.describe}`
            })
          return Effect.all([Effect.flatMap(conn.recv, use), Effect.flatMap(q.get(), use), use(job)])
        },
        args: [there, q, asArgument]
      })
      yield* here.send(viaPipe)
      yield* q.put(viaQueue)
      expect(yield* child.result).toEqual(["pipe:undefined", "queue:undefined", "argument:undefined"])
      for (const job of [viaPipe, viaQueue, asArgument]) expect(yield* job.done.isSet).toBe(true)
    }).pipe(Effect.provide(NodeMultiprocessing.layer)))
})
