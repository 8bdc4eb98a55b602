// A sender and a receiver process, one at each end of a Pipe; "DONE" ends the
// conversation (the multiprocess package's Pipe example), ported to the compat face:
//
//   from multiprocess import Process, Pipe
//   def sender(conn, messages):
//       for msg in messages:
//           print(f"Sending: {msg}")
//           conn.send(msg)
//       conn.send("DONE")
//       conn.close()
//   def receiver(conn):
//       while True:
//           msg = conn.recv()
//           print(f"Received: {msg}")
//           if msg == "DONE":
//               break
//       conn.close()
//   # Create pipe
//   parent_conn, child_conn = Pipe()
//   # Create processes
//   messages = ["Hello", "World", "From", "Pipe"]
//   p1 = Process(target=sender, args=(parent_conn, messages))
//   p2 = Process(target=receiver, args=(child_conn))
//   # Start processes
//   p1.start()
//   p2.start()
//   p1.join()
//   p2.join()
//
// (The original's `args=(child_conn)` is not a tuple, and Python refuses it with
// a TypeError; here args is a list, as was meant.)
import { type Connection, Pipe, Process } from "effect-multiprocessing/compat"

async function sender(conn: Connection<string>, messages: ReadonlyArray<string>) {
  for (const msg of messages) {
    console.log(`Sending: ${msg}`)
    await conn.send(msg)
  }
  await conn.send("DONE")
  conn.close()
}

async function receiver(conn: Connection<string>) {
  while (true) {
    const msg = await conn.recv()
    console.log(`Received: ${msg}`)
    if (msg === "DONE") break
  }
  conn.close()
}

// Create pipe
const [parentConn, childConn] = await Pipe<string>()
// Create processes
const messages = ["Hello", "World", "From", "Pipe"]
const p1 = new Process({ target: sender, args: [parentConn, messages] })
const p2 = new Process({ target: receiver, args: [childConn] })
// Start processes
p1.start()
p2.start()
// Each child holds its own copy of its end now.
parentConn.close()
childConn.close()
await p1.join()
await p2.join()
