// billiard's Listener/Client example (the Python is in listener-client.ts)
// through the Effect face: the server accepts three clients in turn on a Unix
// socket, each connection scoped to its turn, and echoes what it reads (the
// connection as a Stream, which ends when the client goes); three client
// processes connect at once with the same authkey and wait to be accepted. The
// server says when it listens (an Event) instead of being given half a second.
import * as os from "node:os"
import * as path from "node:path"
import { Effect } from "effect"
import { Event, NodeMultiprocessing, Process } from "effect-multiprocessing"

const serverProcess = async (address: string, listening: Event.Event) => {
  const { Console, Effect, Stream } = await import("effect")
  const { Connection, Listener } = await import("effect-multiprocessing")
  return Effect.scoped(Effect.gen(function*() {
    const listener = yield* Listener.make<string>(address, { authkey: Buffer.from("secret") })
    console.log(`Server listening on ${listener.address}`)
    yield* listening.set
    for (let i = 0; i < 3; i++) {
      console.log(`Waiting for connection ${i + 1}...`)
      yield* Effect.scoped(Effect.gen(function*() {
        const conn = yield* listener.accept
        console.log(`Connection ${i + 1} accepted`)
        yield* Stream.runForEach(Connection.toStream(conn), (msg) =>
          Console.log(`Server received: ${msg}`).pipe(Effect.zipRight(conn.send(`Echo: ${msg}`))))
        console.log(`Client ${i + 1} disconnected`)
      }))
    }
  }))
}

const clientProcess = async (address: string, clientId: number) => {
  const { Console, Effect } = await import("effect")
  const { Listener } = await import("effect-multiprocessing")
  const session = Effect.gen(function*() {
    const conn = yield* Listener.client<string>(address, { authkey: Buffer.from("secret") })
    console.log(`Client ${clientId} connected`)
    for (let i = 0; i < 3; i++) {
      yield* conn.send(`Message ${i} from client ${clientId}`)
      console.log(`Client ${clientId} got response: ${yield* conn.recv}`)
      yield* Effect.sleep("500 millis")
    }
  })
  return Effect.scoped(session).pipe(
    Effect.zipRight(Console.log(`Client ${clientId} finished`)),
    Effect.catchAll((error) => Console.log(`Client ${clientId} error: ${error.message}`))
  )
}

const program = Effect.gen(function*() {
  const address = path.join(os.tmpdir(), `listener-client-example-${process.pid}.sock`)
  const listening = yield* Event.make()
  const server = yield* Process.start({ target: serverProcess, args: [address, listening] })
  yield* listening.wait()
  yield* Effect.forEach([0, 1, 2], (i) => Process.run({ target: clientProcess, args: [address, i] }), {
    concurrency: "unbounded",
    discard: true
  })
  yield* server.result
  console.log(`server exit code ${server.exitCode}`)
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
