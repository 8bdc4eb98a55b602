// billiard's bytes-and-poll example (the Python is in pipe-bytes-poll.ts)
// through the Effect face: `sendBytes` and `recvBytes(maxLength)` move raw
// bytes; `poll("1 second")` waits up to a second for something to read. The
// receiver stops at end of file (an EOFError, caught by its tag), or when a
// poll finds nothing. As in the compat port, the receiver starts once the
// sender runs, so that its polls time the sender's pauses, not its start-up.
import { Effect } from "effect"
import { type Connection, Event, NodeMultiprocessing, Pipe, Process } from "effect-multiprocessing"

const byteSender = async (conn: Connection.Connection, running: Event.Event) => {
  const { Console, Effect } = await import("effect")
  const messages = [Buffer.from("Hello"), Buffer.from("World"), Buffer.from("Bytes")]
  return Effect.zipRight(running.set, Effect.forEach(messages, (msg) =>
    Console.log(`Sending bytes: ${msg}`).pipe(
      Effect.zipRight(conn.sendBytes(msg)),
      Effect.zipRight(Effect.sleep("200 millis"))
    ), { discard: true })).pipe(Effect.zipRight(conn.close))
}

const byteReceiver = async (conn: Connection.Connection) => {
  const { Effect } = await import("effect")
  return Effect.gen(function*() {
    while (true) {
      if (!(yield* conn.poll("1 second"))) {
        console.log("No data available")
        break
      }
      const data = yield* conn.recvBytes(1024).pipe(Effect.catchTag("EOFError", () => Effect.succeed(null)))
      if (data === null) break
      console.log(`Received bytes: ${Buffer.from(data)}`)
    }
  })
}

const program = Effect.gen(function*() {
  const [parentConn, childConn] = yield* Pipe.make()
  const running = yield* Event.make()
  const senderProc = yield* Process.start({ target: byteSender, args: [parentConn, running] })
  yield* running.wait()
  const receiverProc = yield* Process.start({ target: byteReceiver, args: [childConn] })
  // Closed here, each end reaches end of file once its child closes it.
  yield* parentConn.close
  yield* childConn.close
  yield* senderProc.result
  yield* receiverProc.result
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
