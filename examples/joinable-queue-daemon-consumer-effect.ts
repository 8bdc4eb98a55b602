// The daemon consumer example (Beazley's Python Essential Reference) through
// the Effect face: the consumer marks each item done and never returns; the
// main process puts a sequence on the JoinableQueue (a Stream run into the
// queue's Sink) and waits with join until all items are processed. The daemon
// is terminated when the program's Scope closes.
import { Effect, Stream } from "effect"
import { NodeMultiprocessing, Process, ProcessQueue } from "effect-multiprocessing"

const consumer = async (inputQ: ProcessQueue.JoinableQueue) => {
  const { Effect } = await import("effect")
  return inputQ.get().pipe(
    Effect.flatMap((item) => Effect.sync(() => console.log(item))), // Process item
    Effect.zipRight(inputQ.taskDone), // Signal task completion
    Effect.forever
  )
}

const producer = (sequence: ReadonlyArray<number>, outputQ: ProcessQueue.JoinableQueue) => Stream.run(Stream.fromIterable(sequence), ProcessQueue.toSink(outputQ))

const program = Effect.gen(function*() {
  const q = yield* ProcessQueue.makeJoinable()
  // Launch the consumer process
  yield* Process.start({ target: consumer, args: [q], daemon: true })
  // Produce items
  const sequence = [1, 2, 3, 4]
  yield* producer(sequence, q)
  // Wait for all items to be processed
  yield* q.join
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
