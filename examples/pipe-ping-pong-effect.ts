// The ping-pong example (the Python is in pipe-ping-pong.ts) through the
// Effect face: each player is an Effect of three rounds over its end of a
// duplex Pipe, run in its own process.
import { Effect } from "effect"
import { type Connection, NodeMultiprocessing, Pipe, Process } from "effect-multiprocessing"

const pingPong = async (conn: Connection.Connection<string>, name: "ping" | "pong", count: number) => {
  const { Console, Effect } = await import("effect")
  const round = (i: number) =>
    name === "ping"
      ? Effect.gen(function*() {
        const msg = `ping-${i}`
        yield* conn.send(msg)
        yield* Console.log(`Sent: ${msg}`)
        yield* Console.log(`Received: ${yield* conn.recv}`)
      })
      : Effect.gen(function*() {
        yield* Console.log(`Received: ${yield* conn.recv}`)
        const msg = `pong-${i}`
        yield* conn.send(msg)
        yield* Console.log(`Sent: ${msg}`)
      })
  return Effect.forEach(Array.from({ length: count }, (_, i) => i), (i) => Effect.zipRight(round(i), Effect.sleep("500 millis")), {
    discard: true
  })
}

const program = Effect.gen(function*() {
  const [conn1, conn2] = yield* Pipe.make<string>({ duplex: true })
  yield* Effect.all([
    Process.run({ target: pingPong, args: [conn1, "ping", 3] }),
    Process.run({ target: pingPong, args: [conn2, "pong", 3] })
  ], { concurrency: "unbounded", discard: true })
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
