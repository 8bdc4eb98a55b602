// billiard's `wait` example (the Python is in connection-wait.ts) through the
// Effect face: four children each send one message after a random delay, and
// `Connection.wait(connections, "3 seconds")` gives the connections that have
// something to read as messages arrive. As in the compat port, the loop goes
// on while connections are left, and the senders and this process meet at a
// Barrier first, so that the delays count from one moment.
import { Effect, Random } from "effect"
import { Barrier, Connection, NodeMultiprocessing, Pipe, Process } from "effect-multiprocessing"

const delayedSender = async (conn: Connection.Connection<string>, delayMillis: number, message: string, allStarted: Barrier.Barrier) => {
  const { Effect } = await import("effect")
  return allStarted.wait().pipe(
    Effect.zipRight(Effect.sleep(delayMillis)),
    Effect.zipRight(conn.send(message)),
    Effect.zipRight(conn.close)
  )
}

const program = Effect.gen(function*() {
  let connections: Array<Connection.Connection<string>> = []
  const processes: Array<Process.Process<void>> = []
  const allStarted = yield* Barrier.make(5)
  // Create multiple pipes with different delays
  for (let i = 0; i < 4; i++) {
    const [parentConn, childConn] = yield* Pipe.make<string>()
    connections.push(parentConn)
    const delayMillis = yield* Random.nextRange(500, 2000)
    const message = `Message from connection ${i}`
    processes.push(yield* Process.start({ target: delayedSender, args: [childConn, delayMillis, message, allStarted] }))
    yield* childConn.close // the child holds its own copy now
  }
  yield* allStarted.wait()
  console.log("Waiting for messages from multiple connections...")
  while (connections.length > 0) {
    const ready = yield* Connection.wait(connections, "3 seconds")
    if (ready.length === 0) {
      console.log("Timeout waiting for connections")
      break
    }
    console.log(`${ready.length} connections ready`)
    for (const conn of ready) {
      console.log(`Received: ${yield* conn.recv}`)
      connections = connections.filter((c) => c !== conn)
    }
  }
  yield* Effect.forEach(processes, (proc) => proc.result, { discard: true })
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
