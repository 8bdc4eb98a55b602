// billiard's producer and consumer on a Pipe (the Python is in
// pipe-producer-consumer.ts) through the Effect face: the producer sends five
// items half a second apart, then the null sentinel; the consumer reads its end
// as a Stream and takes items while they are not the sentinel.
import { Effect } from "effect"
import { type Connection, NodeMultiprocessing, Pipe, Process } from "effect-multiprocessing"

const producer = async (conn: Connection.Connection<string | null>) => {
  const { Console, Effect } = await import("effect")
  const items = Array.from({ length: 5 }, (_, i) => `item_${i}`)
  return Effect.forEach(items, (item) =>
    conn.send(item).pipe(
      Effect.zipRight(Console.log(`Produced: ${item}`)),
      Effect.zipRight(Effect.sleep("500 millis"))
    ), { discard: true }).pipe(
      Effect.zipRight(conn.send(null)) // Signal end
    )
}

const consumer = async (conn: Connection.Connection<string | null>) => {
  const { Console, Effect, Stream } = await import("effect")
  const { Connection } = await import("effect-multiprocessing")
  return Connection.toStream(conn).pipe(
    Stream.takeWhile((item) => item !== null),
    Stream.runForEach((item) => Console.log(`Consumed: ${item}`).pipe(Effect.zipRight(Effect.sleep("300 millis"))))
  )
}

const program = Effect.gen(function*() {
  const [parentConn, childConn] = yield* Pipe.make<string | null>()
  yield* Effect.all([
    Process.run({ target: producer, args: [parentConn] }),
    Process.run({ target: consumer, args: [childConn] })
  ], { concurrency: "unbounded", discard: true })
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
