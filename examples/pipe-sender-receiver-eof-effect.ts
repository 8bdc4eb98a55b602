// billiard's Pipe example (the Python is in pipe-sender-receiver-eof.ts)
// through the Effect face: the sender sends four messages half a second apart
// and closes its end; the receiver reads its end as a Stream, which ends at end
// of file. This process closes its copies of both ends once the children have
// started: end of file comes only when every copy of the sender's end is closed.
import { Effect } from "effect"
import { type Connection, NodeMultiprocessing, Pipe, Process } from "effect-multiprocessing"

const sender = async (conn: Connection.Connection<string>, messages: ReadonlyArray<string>) => {
  const { Console, Effect } = await import("effect")
  return Effect.forEach(messages, (msg) =>
    Console.log(`Sending: ${msg}`).pipe(
      Effect.zipRight(conn.send(msg)),
      Effect.zipRight(Effect.sleep("500 millis"))
    ), { discard: true }).pipe(Effect.zipRight(conn.close))
}

const receiver = async (conn: Connection.Connection<string>) => {
  const { Console, Stream } = await import("effect")
  const { Connection } = await import("effect-multiprocessing")
  return Stream.runForEach(Connection.toStream(conn), (msg) => Console.log(`Received: ${msg}`))
}

const program = Effect.gen(function*() {
  const [parentConn, childConn] = yield* Pipe.make<string>()
  const messages = ["Hello", "World", "From", "Billiard"]
  const senderProc = yield* Process.start({ target: sender, args: [parentConn, messages] })
  const receiverProc = yield* Process.start({ target: receiver, args: [childConn] })
  yield* parentConn.close
  yield* childConn.close
  yield* senderProc.result
  yield* receiverProc.result
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
