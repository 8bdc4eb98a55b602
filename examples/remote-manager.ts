// Python's remote manager (the multiprocessing docs, "Using a remote manager"),
// ported to the compat face: one program serves a queue over TCP, and clients
// that know the authkey connect to it and use the queue.
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
// server's script is serverScript's body with a fixed address (`["", 50000]`)
// run on its own (`npx tsx server.ts`), then every client's script is run with
// its host and port. So that this example runs in one go (and tests never
// fight over a port), the server runs in a child process and listens on
// 127.0.0.1, port 0: the system picks a free port, which the server sends back
// through a Pipe. The client runs in another child, and another client, here,
// takes what it put. At the end the server is terminated: serve_forever does
// not return.
import { BaseManager, type Connection, Pipe, Process, type Queue } from "effect-multiprocessing/compat"

async function serverScript(conn: Connection<number>) {
  const { BaseManager, Queue } = await import("effect-multiprocessing/compat")
  const queue = new Queue()
  class QueueManager extends BaseManager {}
  QueueManager.register("getQueue", () => queue)
  const m = new QueueManager({ address: ["127.0.0.1", 0], authkey: "abracadabra" })
  const s = await m.getServer() // listening
  // Only for this example: tell the parent which port the system picked.
  await conn.send(s.address.port)
  await s.serveForever()
}

async function clientScript(port: number) {
  const { BaseManager } = await import("effect-multiprocessing/compat")
  class QueueManager extends BaseManager {
    declare getQueue: () => Promise<Queue<string>> // made by register(); declared for TypeScript
  }
  QueueManager.register("getQueue")
  const m = new QueueManager({ address: ["127.0.0.1", port], authkey: "abracadabra" })
  await m.connect()
  const queue = await m.getQueue()
  await queue.put("hello")
  console.log("client put 'hello'")
}

const [here, there] = await Pipe<number>()
const server = new Process({ target: serverScript, args: [there] })
server.start()
try {
  there.close()
  const port = await here.recv()
  here.close()
  console.log(`server listening on 127.0.0.1:${port}`)

  const client = new Process({ target: clientScript, args: [port] })
  client.start()
  await client.join()
  if (client.exitCode !== 0) throw new Error(`the client failed (exit code ${client.exitCode})`)

  // Another client: this process.
  class QueueManager extends BaseManager {
    declare getQueue: () => Promise<Queue<string>> // made by register(); declared for TypeScript
  }
  QueueManager.register("getQueue")
  const m = new QueueManager({ address: ["127.0.0.1", port], authkey: "abracadabra" })
  await m.connect()
  const queue = await m.getQueue()
  console.log(`another client got '${await queue.get()}'`)
} finally {
  server.terminate()
  await server.join()
}
console.log(`server terminated, exit code ${server.exitCode}`) // Python's -15: killed by SIGTERM
