// An echo server and a client over TCP, authenticated with an authkey (the
// multiprocess package's Listener/Client example), ported to the compat face:
//
//   from multiprocess import Process
//   from multiprocess.connection import Listener, Client
//   def server(address, authkey):
//       with Listener(address, authkey=authkey) as listener:
//           print(f"Server listening on {address}")
//           with listener.accept() as conn:
//               print("Connection accepted")
//               while True:
//                   try:
//                       msg = conn.recv()
//                       print(f"Server received: {msg}")
//                       if msg == "quit":
//                           break
//                       conn.send(f"Echo: {msg}")
//                   except EOFError:
//                       break
//   def client(address, authkey):
//       with Client(address, authkey=authkey) as conn:
//           messages = ["hello", "world", "quit"]
//           for msg in messages:
//               conn.send(msg)
//               if msg != "quit":
//                   response = conn.recv()
//                   print(f"Client received: {response}")
//   # Authentication key
//   authkey = b'secret_key'
//   address = ('localhost', 6000)
//   # Start server process
//   server_process = Process(target=server, args=(address, authkey))
//   server_process.start()
//   # Give server time to start
//   import time
//   time.sleep(0.5)
//   # Start client process
//   client_process = Process(target=client, args=(address, authkey))
//   client_process.start()
//   client_process.join()
//   server_process.join()
//
// Instead of a fixed port (which another program may hold) and half a second
// of hoping the server has started, the server listens on port 0 — the system
// picks a free one — and sends its address back through a Pipe once it listens.
// `with` blocks are try/finally.
import { type Address, type Connection, Pipe, Process } from "effect-multiprocessing/compat"

async function server(address: Address, authkey: Uint8Array, ready: Connection<Address>) {
  const { EOFError, Listener } = await import("effect-multiprocessing/compat")
  const listener = await Listener(address, { authkey })
  try {
    const bound = listener.address
    console.log(`Server listening on ${typeof bound === "string" ? bound : `${bound[0]}:${bound[1]}`}`)
    await ready.send(bound)
    const conn = await listener.accept<string>()
    try {
      console.log("Connection accepted")
      while (true) {
        try {
          const msg = await conn.recv()
          console.log(`Server received: ${msg}`)
          if (msg === "quit") break
          await conn.send(`Echo: ${msg}`)
        } catch (error) {
          if (!(error instanceof EOFError)) throw error
          break
        }
      }
    } finally {
      conn.close()
    }
  } finally {
    await listener.close()
  }
}

async function client(address: Address, authkey: Uint8Array) {
  const { Client } = await import("effect-multiprocessing/compat")
  const conn = await Client<string>(address, { authkey })
  try {
    const messages = ["hello", "world", "quit"]
    for (const msg of messages) {
      await conn.send(msg)
      if (msg !== "quit") {
        const response = await conn.recv()
        console.log(`Client received: ${response}`)
      }
    }
  } finally {
    conn.close()
  }
}

// Authentication key
const authkey = Buffer.from("secret_key")
// Start server process
const [here, there] = await Pipe<Address>()
const serverProcess = new Process({ target: server, args: [["127.0.0.1", 0], authkey, there] })
serverProcess.start()
there.close() // the server holds its own copy now
// Wait until the server listens, and learn where
const address = await here.recv()
here.close()
// Start client process
const clientProcess = new Process({ target: client, args: [address, authkey] })
clientProcess.start()
await clientProcess.join()
await serverProcess.join()
