// The multiprocess package's TCP echo server and client with an authkey (the
// Python is in listener-client-tcp.ts) through the Effect face: the listener,
// the accepted connection and the client's connection are scoped, closed when
// their Scope ends, as Python's `with` blocks close them. As in the compat port,
// the server listens on a port the system picks and sends its address back
// through a Pipe once it listens.
import { Effect } from "effect"
import { type Connection, type Listener, NodeMultiprocessing, Pipe, Process } from "effect-multiprocessing"

const server = async (address: Listener.Address, authkey: Uint8Array, ready: Connection.Connection<Listener.Address>) => {
  const { Effect } = await import("effect")
  const { Listener } = await import("effect-multiprocessing")
  return Effect.scoped(Effect.gen(function*() {
    const listener = yield* Listener.make<string>(address, { authkey })
    const bound = listener.address
    console.log(`Server listening on ${typeof bound === "string" ? bound : `${bound.host}:${bound.port}`}`)
    yield* ready.send(bound)
    const conn = yield* listener.accept
    console.log("Connection accepted")
    while (true) {
      const msg = yield* conn.recv.pipe(Effect.catchTag("EOFError", () => Effect.succeed(null)))
      if (msg === null) break
      console.log(`Server received: ${msg}`)
      if (msg === "quit") break
      yield* conn.send(`Echo: ${msg}`)
    }
  }))
}

const client = async (address: Listener.Address, authkey: Uint8Array) => {
  const { Effect } = await import("effect")
  const { Listener } = await import("effect-multiprocessing")
  return Effect.scoped(Effect.gen(function*() {
    const conn = yield* Listener.client<string>(address, { authkey })
    for (const msg of ["hello", "world", "quit"]) {
      yield* conn.send(msg)
      if (msg !== "quit") console.log(`Client received: ${yield* conn.recv}`)
    }
  }))
}

const program = Effect.gen(function*() {
  // Authentication key
  const authkey = Buffer.from("secret_key")
  const [here, there] = yield* Pipe.make<Listener.Address>()
  const serverProcess = yield* Process.start({ target: server, args: [{ host: "127.0.0.1", port: 0 }, authkey, there] })
  yield* there.close // the server holds its own copy now
  // Wait until the server listens, and learn where
  const address = yield* here.recv
  yield* Process.run({ target: client, args: [address, authkey] })
  yield* serverProcess.result
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
