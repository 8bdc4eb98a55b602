// billiard's bytes-and-poll example, ported to the compat face: one process
// sends raw bytes; the other polls for up to a second before each read, and
// stops at end of file or when nothing comes.
//
//   from billiard import Process, Pipe
//   import time
//   def byte_sender(conn):
//       """Send raw bytes through connection"""
//       messages = [b"Hello", b"World", b"Bytes"]
//       for msg in messages:
//           print(f"Sending bytes: {msg}")
//           conn.send_bytes(msg)
//           time.sleep(0.2)
//       conn.close()
//   def byte_receiver(conn):
//       """Receive raw bytes from connection"""
//       while True:
//           if conn.poll(timeout=1):
//               try:
//                   data = conn.recv_bytes(maxlength=1024)
//                   print(f"Received bytes: {data}")
//               except EOFError:
//                   break
//           else:
//               print("No data available")
//               break
//       conn.close()
//   def polling_example():
//       """Demonstrate connection polling"""
//       parent_conn, child_conn = Pipe()
//       # Start byte communication processes
//       sender_proc = Process(target=byte_sender, args=(parent_conn,))
//       receiver_proc = Process(target=byte_receiver, args=(child_conn,))
//       sender_proc.start()
//       receiver_proc.start()
//       sender_proc.join()
//       receiver_proc.join()
//   if __name__ == '__main__':
//       polling_example()
//
// Bytes are Uint8Arrays (Buffers here); printed, they show as text. This
// process closes its copies of the ends once the children have started, so the
// receiver stops at end of file — in Python, which keeps them open, it stops
// when a poll waits a second for nothing ("No data available").
//
// A Python child starts in a millisecond; a Node child takes a good part of a
// second, unevenly on a busy machine. So that the receiver's one-second polls
// time the sender's pauses and not its start-up, the receiver starts once the
// sender runs (the `running` Event).
import { type Connection, Event, Pipe, Process } from "effect-multiprocessing/compat"

async function byteSender(conn: Connection, running: Event) {
  await running.set()
  const messages = [Buffer.from("Hello"), Buffer.from("World"), Buffer.from("Bytes")]
  for (const msg of messages) {
    console.log(`Sending bytes: ${msg}`)
    await conn.sendBytes(msg)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  conn.close()
}

async function byteReceiver(conn: Connection) {
  const { EOFError } = await import("effect-multiprocessing/compat")
  while (true) {
    if (await conn.poll(1)) {
      try {
        const data = await conn.recvBytes(1024)
        console.log(`Received bytes: ${Buffer.from(data)}`)
      } catch (error) {
        if (!(error instanceof EOFError)) throw error
        break
      }
    } else {
      console.log("No data available")
      break
    }
  }
  conn.close()
}

async function pollingExample() {
  const [parentConn, childConn] = await Pipe()
  // Start byte communication processes
  const running = new Event()
  const senderProc = new Process({ target: byteSender, args: [parentConn, running] })
  const receiverProc = new Process({ target: byteReceiver, args: [childConn] })
  senderProc.start()
  await running.wait()
  receiverProc.start()
  parentConn.close()
  childConn.close()
  await senderProc.join()
  await receiverProc.join()
}

await pollingExample()
