// Python's remote manager (the multiprocessing docs, "Using a remote manager")
// through the Effect face: one program serves a queue over TCP
// (Manager.serve), and clients that know the authkey connect to it
// (Manager.connect) and use the queue.
//
//   # the server
//   from multiprocessing.managers import BaseManager
//   from queue import Queue
//   queue = Queue()
//   class QueueManager(BaseManager): pass
//   QueueManager.register('get_queue', callable=lambda:queue)
//   m = QueueManager(address=('', 50000), authkey=b'abracadabra')
//   s = m.get_server()
//   s.serve_forever()
//
//   # a client
//   from multiprocessing.managers import BaseManager
//   class QueueManager(BaseManager): pass
//   QueueManager.register('get_queue')
//   m = QueueManager(address=('foo.bar.org', 50000), authkey=b'abracadabra')
//   m.connect()
//   queue = m.get_queue()
//   queue.put('hello')
//
//   # another client
//   ... the same, then:
//   queue.get()    # 'hello'
//
// In real use these are separate programs, usually on separate machines: the
// server's script is serverScript's Effect with a fixed address
// (`{ host: "", port: 50000 }`, no onListening) run on its own with
// `Effect.runPromise(… Effect.scoped, Effect.provide(NodeMultiprocessing.layer))`,
// then every client's script is run with its host and port. So that this
// example runs in one go (and tests never fight over a port), the server runs
// in a child process and listens on 127.0.0.1, port 0: the system picks a free
// port, which the server sends back through a Pipe. The client runs in another
// child, and another client, here, takes what it put. At the end the server is
// terminated: Manager.serve runs until interrupted (closing the Scope would
// terminate it too).
import { Effect } from "effect"
import { type Connection, Manager, NodeMultiprocessing, Pipe, Process, type ProcessQueue } from "effect-multiprocessing"

const serverScript = async (conn: Connection.Connection<number>) => {
  const { Deferred, Effect, Fiber } = await import("effect")
  const { Manager, NodeMultiprocessing, ProcessQueue } = await import("effect-multiprocessing")
  const serve = Effect.gen(function*() {
    const queue = yield* ProcessQueue.make()
    const listening = yield* Deferred.make<{ readonly host: string; readonly port: number }>()
    const serving = yield* Effect.fork(Manager.serve({
      address: { host: "127.0.0.1", port: 0 },
      authkey: Buffer.from("abracadabra"),
      register: { getQueue: () => queue },
      onListening: (address) => Deferred.unsafeDone(listening, Effect.succeed(address))
    }))
    // Only for this example: tell the parent which port the system picked.
    const { port } = yield* Effect.raceFirst(Deferred.await(listening), Fiber.join(serving))
    yield* conn.send(port)
    yield* Fiber.join(serving)
  })
  return serve.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer))
}

const clientScript = async (port: number) => {
  const { Effect } = await import("effect")
  const { Manager } = await import("effect-multiprocessing")
  return Effect.gen(function*() {
    const m = yield* Manager.connect({ address: { host: "127.0.0.1", port }, authkey: Buffer.from("abracadabra") })
    const queue = yield* m.create<ProcessQueue.Queue>("getQueue")
    yield* queue.put("hello")
    console.log("client put 'hello'")
  })
}

const program = Effect.gen(function*() {
  const [here, there] = yield* Pipe.make<number>()
  const server = yield* Process.start({ target: serverScript, args: [there] })
  yield* there.close
  const port = yield* here.recv
  console.log(`server listening on 127.0.0.1:${port}`)

  yield* Process.run({ target: clientScript, args: [port] }) // fails if the client does

  // Another client: this process.
  const m = yield* Manager.connect({ address: { host: "127.0.0.1", port }, authkey: Buffer.from("abracadabra") })
  const queue = yield* m.create<ProcessQueue.Queue>("getQueue")
  console.log(`another client got '${yield* queue.get()}'`)

  yield* server.terminate
  yield* server.join()
  console.log(`server terminated, exit code ${server.exitCode}`) // Python's -15: killed by SIGTERM
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
