// billiard's `wait` example, ported to the compat face: four children each send
// one message after a random delay; `wait` says which connections have
// something to read, as it arrives.
//
//   from billiard import Process, Pipe
//   from billiard.connection import wait
//   import time
//   import random
//   def delayed_sender(conn, delay, message):
//       """Send message after delay"""
//       time.sleep(delay)
//       conn.send(message)
//       conn.close()
//   def multi_connection_wait():
//       """Demonstrate waiting on multiple connections"""
//       connections = []
//       processes = []
//       # Create multiple pipes with different delays
//       for i in range(4):
//           parent_conn, child_conn = Pipe()
//           connections.append(parent_conn)
//           delay = random.uniform(0.5, 2.0)
//           message = f"Message from connection {i}"
//           proc = Process(target=delayed_sender, args=(child_conn, delay, message))
//           processes.append(proc)
//           proc.start()
//       print("Waiting for messages from multiple connections...")
//       # Wait for connections to become ready
//       ready_count = 0
//       while ready_count < len(connections):
//           ready = wait(connections, timeout=3.0)
//           if ready:
//               print(f"{len(ready)} connections ready")
//               for conn in ready:
//                   try:
//                       msg = conn.recv()
//                       print(f"Received: {msg}")
//                       ready_count += 1
//                       connections.remove(conn)
//                   except EOFError:
//                       pass
//           else:
//               print("Timeout waiting for connections")
//               break
//       # Clean up
//       for proc in processes:
//           proc.join()
//       for conn in connections:
//           conn.close()
//   if __name__ == '__main__':
//       multi_connection_wait()
//
// Python's loop compares the messages received with the connections left,
// which shrink as they are received: it stops after about half of them. Here it
// goes on while connections are left.
//
// A Python child starts in a millisecond; a Node child takes a good part of a
// second, unevenly on a busy machine. So that the delays (and the three-second
// wait) count from one moment, the senders and this process meet at a Barrier
// first.
import { Barrier, type Connection, Pipe, Process, wait } from "effect-multiprocessing/compat"

async function delayedSender(conn: Connection<string>, delay: number, message: string, allStarted: Barrier) {
  await allStarted.wait()
  await new Promise((resolve) => setTimeout(resolve, delay * 1000))
  await conn.send(message)
  conn.close()
}

async function multiConnectionWait() {
  let connections: Array<Connection<string>> = []
  const processes: Array<Process<void>> = []
  const allStarted = new Barrier(5)
  // Create multiple pipes with different delays
  for (let i = 0; i < 4; i++) {
    const [parentConn, childConn] = await Pipe<string>()
    connections.push(parentConn)
    const delay = 0.5 + Math.random() * 1.5
    const message = `Message from connection ${i}`
    const proc = new Process({ target: delayedSender, args: [childConn, delay, message, allStarted] })
    processes.push(proc)
    proc.start()
    childConn.close() // the child holds its own copy now
  }
  await allStarted.wait()
  console.log("Waiting for messages from multiple connections...")
  // Wait for connections to become ready
  while (connections.length > 0) {
    const ready = await wait(connections, 3.0)
    if (ready.length === 0) {
      console.log("Timeout waiting for connections")
      break
    }
    console.log(`${ready.length} connections ready`)
    for (const conn of ready) {
      const msg = await conn.recv()
      console.log(`Received: ${msg}`)
      conn.close()
      connections = connections.filter((c) => c !== conn)
    }
  }
  // Clean up
  for (const proc of processes) await proc.join()
  for (const conn of connections) conn.close()
  allStarted.close()
}

await multiConnectionWait()
