// The "complex object" example through the Effect face (the Python is in
// queue-complex-object.ts). As in the compat port, the object's data travels
// (a lambda would not); the queue is ended instead of sent a None, and the
// worker reads it as a Stream that finishes there.
//
// The queue is typed by a Schema: what is put is checked against it. A Schema
// does not travel, so the worker's proxy decodes with the default codec; its
// parameter type states what the parent's Schema lets through.
import { Effect, type ParseResult, Schema } from "effect"
import { NodeMultiprocessing, Process, ProcessQueue } from "effect-multiprocessing"

/** What ComplexObject(lambda x: x ** 2) carries, as data: the lambda's exponent, and the items. */
const ComplexObject = Schema.Struct({ exponent: Schema.Number, data: Schema.Array(Schema.Number) })
type ComplexObject = typeof ComplexObject.Type

const worker = async (q: ProcessQueue.Queue<ComplexObject, ParseResult.ParseError>) => {
  const { Effect, Stream } = await import("effect")
  const { ProcessQueue } = await import("effect-multiprocessing")
  const processObject = (obj: ComplexObject) => obj.data.map((x) => x ** obj.exponent)
  return Stream.runForEach(ProcessQueue.toStream(q), (obj) => Effect.sync(() => console.log("Worker result:", processObject(obj))))
}

const program = Effect.gen(function*() {
  const complexObj: ComplexObject = { exponent: 2, data: [1, 2, 3, 4, 5] } // ComplexObject(lambda x: x ** 2)
  const queue = yield* ProcessQueue.make({ schema: ComplexObject })
  const p = yield* Process.start({ target: worker, args: [queue] })
  yield* queue.put(complexObj)
  yield* queue.end // Signal completion
  yield* p.result
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
