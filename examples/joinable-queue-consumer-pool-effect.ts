// A pool of two daemon consumers on one JoinableQueue (Beazley's Python
// Essential Reference) through the Effect face; consumer and producer are
// those of joinable-queue-daemon-consumer-effect.ts.
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
  // Launch some consumer processes
  yield* Effect.forEach([1, 2], () => Process.start({ target: consumer, args: [q], daemon: true }))
  // Produce items
  const sequence = [1, 2, 3, 4]
  yield* producer(sequence, q)
  // Wait for all items to be processed
  yield* q.join
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
