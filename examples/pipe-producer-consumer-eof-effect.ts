// Beazley's producer-consumer on a Pipe, ended by closing it (the Python is in
// pipe-producer-consumer-eof.ts), through the Effect face: the consumer closes
// the end it does not use and reads the other as a Stream, which ends at end of
// file; the producer runs the sequence into its end (Connection.toSink), then
// closes it.
import { Effect, Stream } from "effect"
import { Connection, NodeMultiprocessing, Pipe, Process } from "effect-multiprocessing"

// Consume items on a pipe.
const consumer = async (pipe: readonly [Connection.Connection<number>, Connection.Connection<number>]) => {
  const { Console, Effect, Stream } = await import("effect")
  const { Connection } = await import("effect-multiprocessing")
  const [outputP, inputP] = pipe
  return inputP.close.pipe( // Close the input end of the pipe
    Effect.zipRight(Stream.runForEach(Connection.toStream(outputP), (item) => Console.log(item))), // Process item
    Effect.zipRight(Console.log("Consumer done")) // Shutdown
  )
}

// Produce items and put them on the pipe.
const producer = (sequence: Iterable<number>, inputP: Connection.Connection<number>) =>
  Stream.run(Stream.fromIterable(sequence), Connection.toSink(inputP))

const program = Effect.gen(function*() {
  const [outputP, inputP] = yield* Pipe.make<number>()
  // Launch the consumer process
  const consP = yield* Process.start({ target: consumer, args: [[outputP, inputP]] })
  // Close the output pipe in the producer
  yield* outputP.close
  // Produce items
  yield* producer([1, 2, 3, 4], inputP)
  // Signal completion by closing the input pipe
  yield* inputP.close
  // Wait for the consumer process to shutdown
  yield* consP.result
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
