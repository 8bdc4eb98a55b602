// Two processes playing ping-pong over a duplex Pipe, three rounds (the
// multiprocess package's example), ported to the compat face:
//
//   from multiprocess import Process, Pipe
//   import time
//   def ping_pong(conn, name, count):
//       for i in range(count):
//           if name == "ping":
//               msg = f"ping-{i}"
//               conn.send(msg)
//               print(f"Sent: {msg}")
//               response = conn.recv()
//               print(f"Received: {response}")
//           else:
//               request = conn.recv()
//               print(f"Received: {request}")
//               msg = f"pong-{i}"
//               conn.send(msg)
//               print(f"Sent: {msg}")
//           time.sleep(0.5)
//   # Create duplex pipe
//   conn1, conn2 = Pipe(duplex=True)
//   # Create processes
//   p1 = Process(target=ping_pong, args=(conn1, "ping", 3))
//   p2 = Process(target=ping_pong, args=(conn2, "pong", 3))
//   p1.start()
//   p2.start()
//   p1.join()
//   p2.join()
import { type Connection, Pipe, Process } from "effect-multiprocessing/compat"

async function pingPong(conn: Connection<string>, name: "ping" | "pong", count: number) {
  for (let i = 0; i < count; i++) {
    if (name === "ping") {
      const msg = `ping-${i}`
      await conn.send(msg)
      console.log(`Sent: ${msg}`)
      const response = await conn.recv()
      console.log(`Received: ${response}`)
    } else {
      const request = await conn.recv()
      console.log(`Received: ${request}`)
      const msg = `pong-${i}`
      await conn.send(msg)
      console.log(`Sent: ${msg}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

// Create duplex pipe
const [conn1, conn2] = await Pipe<string>({ duplex: true })
// Create processes
const p1 = new Process({ target: pingPong, args: [conn1, "ping", 3] })
const p2 = new Process({ target: pingPong, args: [conn2, "pong", 3] })
p1.start()
p2.start()
await p1.join()
await p2.join()
conn1.close()
conn2.close()
