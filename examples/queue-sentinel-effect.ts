// The sentinel example (Beazley's Python Essential Reference) through the
// Effect face: the producer ends the queue instead of putting a None on it
// (ProcessQueue.toSink with end: true), and the consumer's Stream of items finishes
// there, after which it says so.
import { Effect, Stream } from "effect"
import { NodeMultiprocessing, Process, ProcessQueue } from "effect-multiprocessing"

const consumer = async (inputQ: ProcessQueue.Queue) => {
  const { Effect, Stream } = await import("effect")
  const { ProcessQueue } = await import("effect-multiprocessing")
  return ProcessQueue.toStream(inputQ).pipe(
    Stream.runForEach((item) => Effect.sync(() => console.log(item))), // Process item
    Effect.zipRight(Effect.sync(() => console.log("Consumer done"))) // Shutdown
  )
}

// Puts every item, then ends the queue: the sentinel
const producer = (sequence: ReadonlyArray<number>, outputQ: ProcessQueue.Queue) => Stream.run(Stream.fromIterable(sequence), ProcessQueue.toSink(outputQ, { end: true }))

const program = Effect.gen(function*() {
  const q = yield* ProcessQueue.make()
  // Launch the consumer process
  const consP = yield* Process.start({ target: consumer, args: [q] })
  // Produce items, then signal completion
  const sequence = [1, 2, 3, 4]
  yield* producer(sequence, q)
  // Wait for the consumer process to shutdown
  yield* consP.join()
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
