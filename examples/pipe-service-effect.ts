// billiard's service and client over a Pipe (the Python is in pipe-service.ts)
// through the Effect face: the service answers each request it reads from its
// end (a Stream, through Connection.toStream) until it is terminated; the
// client makes three requests. The Pipe's ends stay open here until the Scope
// closes, so the service sees no end of file and is terminated, as in Python.
import { Effect } from "effect"
import { type Connection, NodeMultiprocessing, Pipe, Process } from "effect-multiprocessing"

const service = async (conn: Connection.Connection<string>) => {
  const { Stream } = await import("effect")
  const { Connection } = await import("effect-multiprocessing")
  return Connection.toStream(conn).pipe(Stream.runForEach((request) => conn.send(`Processed: ${request}`)))
}

const clientRequests = async (conn: Connection.Connection<string>) => {
  const { Console, Effect } = await import("effect")
  return Effect.forEach([0, 1, 2], (i) =>
    conn.send(`request_${i}`).pipe(
      Effect.zipRight(conn.recv),
      Effect.flatMap((response) => Console.log(`Got response: ${response}`))
    ), { discard: true })
}

const program = Effect.gen(function*() {
  const [serviceConn, clientConn] = yield* Pipe.make<string>()
  const srv = yield* Process.start({ target: service, args: [serviceConn] })
  yield* Process.run({ target: clientRequests, args: [clientConn] })
  yield* srv.terminate
  yield* srv.join()
  console.log(`service terminated, exit code ${srv.exitCode}`)
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
