// The multiprocess package's Pipe example (the Python is in
// pipe-sender-receiver.ts) through the Effect face: the sender runs a Stream of
// the messages, then "DONE", into its end (Connection.toSink); the receiver
// reads its end as a Stream (Connection.toStream) up to and including "DONE".
import { Effect } from "effect"
import { type Connection, NodeMultiprocessing, Pipe, Process } from "effect-multiprocessing"

const sender = async (conn: Connection.Connection<string>, messages: ReadonlyArray<string>) => {
  const { Console, Stream } = await import("effect")
  const { Connection } = await import("effect-multiprocessing")
  return Stream.fromIterable(messages).pipe(
    Stream.tap((msg) => Console.log(`Sending: ${msg}`)),
    Stream.concat(Stream.make("DONE")),
    Stream.run(Connection.toSink(conn))
  )
}

const receiver = async (conn: Connection.Connection<string>) => {
  const { Console, Stream } = await import("effect")
  const { Connection } = await import("effect-multiprocessing")
  return Connection.toStream(conn).pipe(
    Stream.tap((msg) => Console.log(`Received: ${msg}`)),
    Stream.takeUntil((msg) => msg === "DONE"),
    Stream.runDrain
  )
}

const program = Effect.gen(function*() {
  const [parentConn, childConn] = yield* Pipe.make<string>()
  const messages = ["Hello", "World", "From", "Pipe"]
  yield* Effect.all([
    Process.run({ target: sender, args: [parentConn, messages] }),
    Process.run({ target: receiver, args: [childConn] })
  ], { concurrency: "unbounded", discard: true })
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
