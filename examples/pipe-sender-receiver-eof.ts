// billiard's Pipe example, ported to the compat face: the sender sends four
// messages, half a second apart, and closes its end; the receiver prints what
// arrives until end of file (EOFError).
//
//   from billiard import Process, Pipe
//   import time
//   def sender(conn, messages):
//       """Send messages through connection"""
//       for msg in messages:
//           print(f"Sending: {msg}")
//           conn.send(msg)
//           time.sleep(0.5)
//       conn.close()
//   def receiver(conn):
//       """Receive messages from connection"""
//       while True:
//           try:
//               msg = conn.recv()
//               print(f"Received: {msg}")
//           except EOFError:
//               break
//       conn.close()
//   if __name__ == '__main__':
//       # Create pipe
//       parent_conn, child_conn = Pipe()
//       messages = ["Hello", "World", "From", "Billiard"]
//       # Start processes
//       sender_proc = Process(target=sender, args=(parent_conn, messages))
//       receiver_proc = Process(target=receiver, args=(child_conn))
//       sender_proc.start()
//       receiver_proc.start()
//       sender_proc.join()
//       receiver_proc.join()
//
// End of file comes once every copy of the sender's end is closed: the
// sender's, and this process's. Python's version never closes the parent's
// copies, so its receiver waits forever; here they are closed once the children
// have started. (`args=(child_conn)` is not a tuple either: a list here.)
import { type Connection, Pipe, Process } from "effect-multiprocessing/compat"

async function sender(conn: Connection<string>, messages: ReadonlyArray<string>) {
  for (const msg of messages) {
    console.log(`Sending: ${msg}`)
    await conn.send(msg)
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  conn.close()
}

async function receiver(conn: Connection<string>) {
  const { EOFError } = await import("effect-multiprocessing/compat")
  while (true) {
    try {
      const msg = await conn.recv()
      console.log(`Received: ${msg}`)
    } catch (error) {
      if (!(error instanceof EOFError)) throw error
      break
    }
  }
  conn.close()
}

// Create pipe
const [parentConn, childConn] = await Pipe<string>()
const messages = ["Hello", "World", "From", "Billiard"]
// Start processes
const senderProc = new Process({ target: sender, args: [parentConn, messages] })
const receiverProc = new Process({ target: receiver, args: [childConn] })
senderProc.start()
receiverProc.start()
parentConn.close()
childConn.close()
await senderProc.join()
await receiverProc.join()
