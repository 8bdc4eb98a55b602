// The "complex object" example through the Effect face. As in the compat port,
// the object's data travels (a lambda would not: see queue-complex-object.js);
// the queue is ended instead of sent a None, and the worker reads it as a
// Stream that finishes there.
import { Effect } from "effect"
import { NodeMultiprocessing, Process, Queue } from "effect-multiprocessing"

const worker = async (q) => {
  const { Effect, Stream } = await import("effect")
  const { Queue } = await import("effect-multiprocessing")
  const processObject = (obj) => obj.data.map((x) => x ** obj.exponent)
  return Stream.runForEach(Queue.toStream(q), (obj) => Effect.sync(() => console.log("Worker result:", processObject(obj))))
}

const program = Effect.gen(function*() {
  const complexObj = { exponent: 2, data: [1, 2, 3, 4, 5] } // ComplexObject(lambda x: x ** 2)
  const queue = yield* Queue.make()
  const p = yield* Process.start({ target: worker, args: [queue] })
  yield* queue.put(complexObj)
  yield* queue.end // Signal completion
  yield* p.result
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
