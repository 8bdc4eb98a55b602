// Two producers and three consumers on one Queue through the Effect face. A
// consumer takes items until a get waits two seconds for nothing and fails
// with TimeoutError (Python raises Empty there), which ends its loop.
import { Effect } from "effect"
import { NodeMultiprocessing, Process, ProcessQueue } from "effect-multiprocessing"

const producer = async (q: ProcessQueue.Queue, producerId: number, numItems: number) => {
  const { Effect, Random } = await import("effect")
  return Effect.forEach(Array.from({ length: numItems }, (_, i) => `Producer-${producerId}-Item-${i}`), (item) =>
    q.put(item).pipe(
      Effect.zipRight(Effect.sync(() => console.log(`Produced: ${item}`))),
      Effect.zipRight(Effect.flatMap(Random.nextRange(100, 500), (millis) => Effect.sleep(millis)))
    ), { discard: true })
}

const consumer = async (q: ProcessQueue.Queue, consumerId: number) => {
  const { Effect, Random } = await import("effect")
  return q.get({ timeout: "2 seconds" }).pipe(
    Effect.flatMap((item) => Effect.sync(() => console.log(`Consumer-${consumerId} consumed: ${item}`))),
    Effect.zipRight(Effect.flatMap(Random.nextRange(200, 800), (millis) => Effect.sleep(millis))),
    Effect.forever,
    Effect.catchTag("TimeoutError", () => Effect.sync(() => console.log(`Consumer-${consumerId} timed out, exiting`)))
  )
}

const program = Effect.gen(function*() {
  const queue = yield* ProcessQueue.make()
  const producers = Effect.forEach([0, 1], (i) => Process.run({ target: producer, args: [queue, i, 5] }), {
    concurrency: "unbounded"
  })
  const consumers = Effect.forEach([0, 1, 2], (i) => Process.run({ target: consumer, args: [queue, i] }), {
    concurrency: "unbounded"
  })
  yield* Effect.all([producers, consumers], { concurrency: "unbounded", discard: true })
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
