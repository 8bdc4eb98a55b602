// billiard's Listener/Client example, ported to the compat face: a server
// process accepts three clients in turn on a Unix socket and echoes their
// messages; three client processes connect with the same authkey.
//
//   from billiard import Process
//   from billiard.connection import Listener, Client
//   import time
//   def server_process(address):
//       """Server that accepts connections"""
//       with Listener(address, authkey=b'secret') as listener:
//           print(f"Server listening on {listener.address}")
//           # Accept multiple connections
//           for i in range(3):
//               print(f"Waiting for connection {i+1}...")
//               conn = listener.accept()
//               print(f"Connection {i+1} from {listener.last_accepted}")
//               # Handle client
//               try:
//                   while True:
//                       msg = conn.recv()
//                       print(f"Server received: {msg}")
//                       conn.send(f"Echo: {msg}")
//               except EOFError:
//                   print(f"Client {i+1} disconnected")
//               finally:
//                   conn.close()
//   def client_process(address, client_id):
//       """Client that connects to server"""
//       try:
//           conn = Client(address, authkey=b'secret')
//           print(f"Client {client_id} connected")
//           # Send messages
//           for i in range(3):
//               msg = f"Message {i} from client {client_id}"
//               conn.send(msg)
//               response = conn.recv()
//               print(f"Client {client_id} got response: {response}")
//               time.sleep(0.5)
//           conn.close()
//           print(f"Client {client_id} finished")
//       except Exception as e:
//           print(f"Client {client_id} error: {e}")
//   if __name__ == '__main__':
//       # Use named pipe on Unix or localhost on Windows
//       import sys
//       if sys.platform == 'win32':
//           address = ('localhost', 6000)
//       else:
//           address = '/tmp/billiard_socket'
//       # Start server
//       server_proc = Process(target=server_process, args=(address,))
//       server_proc.start()
//       time.sleep(0.5)  # Let server start
//       # Start clients
//       clients = []
//       for i in range(3):
//           client_proc = Process(target=client_process, args=(address, i))
//           clients.append(client_proc)
//           client_proc.start()
//       # Wait for completion
//       for client_proc in clients:
//           client_proc.join()
//       server_proc.join()
//
// Instead of sleeping half a second and hoping the server has started, the
// server says so (an Event). The socket's path is one of this run's own, so two
// runs never meet. A Unix socket's peer has no address: `lastAccepted` is null,
// so the server prints "accepted" instead.
import * as os from "node:os"
import * as path from "node:path"
import { Event, Process } from "effect-multiprocessing/compat"

async function serverProcess(address: string, listening: Event) {
  const { EOFError, Listener } = await import("effect-multiprocessing/compat")
  const listener = await Listener(address, { authkey: Buffer.from("secret") })
  try {
    console.log(`Server listening on ${listener.address}`)
    await listening.set()
    // Accept multiple connections
    for (let i = 0; i < 3; i++) {
      console.log(`Waiting for connection ${i + 1}...`)
      const conn = await listener.accept()
      console.log(`Connection ${i + 1} accepted`)
      // Handle client
      try {
        while (true) {
          const msg = await conn.recv()
          console.log(`Server received: ${msg}`)
          await conn.send(`Echo: ${msg}`)
        }
      } catch (error) {
        if (!(error instanceof EOFError)) throw error
        console.log(`Client ${i + 1} disconnected`)
      } finally {
        conn.close()
      }
    }
  } finally {
    await listener.close()
  }
}

async function clientProcess(address: string, clientId: number) {
  const { Client } = await import("effect-multiprocessing/compat")
  try {
    const conn = await Client(address, { authkey: Buffer.from("secret") })
    console.log(`Client ${clientId} connected`)
    // Send messages
    for (let i = 0; i < 3; i++) {
      const msg = `Message ${i} from client ${clientId}`
      await conn.send(msg)
      const response = await conn.recv()
      console.log(`Client ${clientId} got response: ${response}`)
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    conn.close()
    console.log(`Client ${clientId} finished`)
  } catch (error) {
    console.log(`Client ${clientId} error: ${error}`)
  }
}

const address = path.join(os.tmpdir(), `listener-client-example-${process.pid}.sock`)
// Start server
const listening = new Event()
const serverProc = new Process({ target: serverProcess, args: [address, listening] })
serverProc.start()
await listening.wait() // Let server start
// Start clients
const clients: Array<Process<void>> = []
for (let i = 0; i < 3; i++) {
  const clientProc = new Process({ target: clientProcess, args: [address, i] })
  clients.push(clientProc)
  clientProc.start()
}
// Wait for completion
for (const clientProc of clients) await clientProc.join()
await serverProc.join()
console.log(`server exit code ${serverProc.exitCode}`)
