// A producer and a consumer process on the two ends of a Pipe, with None as
// the end-of-data sentinel (billiard's example), ported to the compat face:
//
//   from billiard import Process, Pipe
//   import time
//   def producer(conn):
//       for i in range(5):
//           item = f"item_{i}"
//           conn.send(item)
//           print(f"Produced: {item}")
//           time.sleep(0.5)
//       conn.send(None)  # Signal end
//       conn.close()
//   def consumer(conn):
//       while True:
//           item = conn.recv()
//           if item is None:
//               break
//           print(f"Consumed: {item}")
//           time.sleep(0.3)
//       conn.close()
//   # Usage
//   parent_conn, child_conn = Pipe()
//   prod = Process(target=producer, args=(parent_conn,))
//   cons = Process(target=consumer, args=(child_conn,))
//   prod.start()
//   cons.start()
//   prod.join()
//   cons.join()
import { type Connection, Pipe, Process } from "effect-multiprocessing/compat"

async function producer(conn: Connection<string | null>) {
  for (let i = 0; i < 5; i++) {
    const item = `item_${i}`
    await conn.send(item)
    console.log(`Produced: ${item}`)
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  await conn.send(null) // Signal end
  conn.close()
}

async function consumer(conn: Connection<string | null>) {
  while (true) {
    const item = await conn.recv()
    if (item === null) break
    console.log(`Consumed: ${item}`)
    await new Promise((resolve) => setTimeout(resolve, 300))
  }
  conn.close()
}

// Usage
const [parentConn, childConn] = await Pipe<string | null>()
const prod = new Process({ target: producer, args: [parentConn] })
const cons = new Process({ target: consumer, args: [childConn] })
prod.start()
cons.start()
// Each child holds its own copy of its end now.
parentConn.close()
childConn.close()
await prod.join()
await cons.join()
