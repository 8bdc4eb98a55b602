// The producer/consumer example through the Effect face. Instead of a None
// sentinel the producer ends the queue (ProcessQueue.toSink with end: true), and the
// consumer reads it as a Stream, which finishes once the queue has ended and
// is empty.
import { Effect } from "effect"
import { NodeMultiprocessing, Process, ProcessQueue } from "effect-multiprocessing"

const producer = async (q: ProcessQueue.Queue, items: ReadonlyArray<string>) => {
  const { Effect, Stream } = await import("effect")
  const { ProcessQueue } = await import("effect-multiprocessing")
  return Stream.fromIterable(items).pipe(
    Stream.tap((item) => Effect.sync(() => console.log(`Producing ${item}`))),
    Stream.run(ProcessQueue.toSink(q, { end: true }))
  )
}

const consumer = async (q: ProcessQueue.Queue) => {
  const { Effect, Stream } = await import("effect")
  const { ProcessQueue } = await import("effect-multiprocessing")
  return Stream.runForEach(ProcessQueue.toStream(q), (item) => Effect.sync(() => console.log(`Consuming ${item}`)))
}

const program = Effect.gen(function*() {
  const queue = yield* ProcessQueue.make()
  const itemsToProduce = ["item1", "item2", "item3", "item4"]
  yield* Effect.all([
    Process.run({ target: producer, args: [queue, itemsToProduce] }),
    Process.run({ target: consumer, args: [queue] })
  ], { concurrency: "unbounded", discard: true })
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
