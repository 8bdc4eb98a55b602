// Beazley's adder server (the Python is in pipe-adder.ts) through the Effect
// face: the server reads pairs from its end as a Stream, which ends at end of
// file, and sends back each sum; the client's requests are Effects on its end.
// As in the compat port, the adder is given the server's end alone.
import { Effect } from "effect"
import { type Connection, NodeMultiprocessing, Pipe, Process } from "effect-multiprocessing"

type Pair = readonly [number, number] | readonly [string, string]
type Message = Pair | number | string

// A server process
const adder = async (serverP: Connection.Connection<Message>) => {
  const { Console, Effect, Stream } = await import("effect")
  const { Connection } = await import("effect-multiprocessing")
  // Python's + adds numbers and joins strings; so does JavaScript's, once TypeScript knows which.
  const add = ([x, y]: Pair) => typeof x === "number" && typeof y === "number" ? x + y : `${x}${y}`
  return Connection.toStream(serverP).pipe(
    Stream.runForEach((request) => serverP.send(add(request as Pair))), // requests are pairs
    Effect.zipRight(Console.log("Server done")) // Shutdown
  )
}

const program = Effect.gen(function*() {
  const [serverP, clientP] = yield* Pipe.make<Message>()
  // Launch the server process
  const adderP = yield* Process.start({ target: adder, args: [serverP] })
  // Close the server pipe in the client
  yield* serverP.close
  // Make some requests on the server
  yield* clientP.send([3, 4])
  console.log(yield* clientP.recv)
  yield* clientP.send(["Hello", "World"])
  console.log(yield* clientP.recv)
  // Done. Close the pipe
  yield* clientP.close
  // Wait for the server process to shut down
  yield* adderP.result
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
