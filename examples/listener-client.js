// billiard's Listener/Client example, ported to the compat face: a server process
// accepts three clients in turn and echoes their messages; three client processes
// connect with the same authkey.
import { Process } from "effect-multiprocessing/compat"
import * as os from "node:os"
import * as path from "node:path"

async function serverProcess(address) {
  const { Listener, EOFError } = await import("effect-multiprocessing/compat")
  const listener = await Listener(address, { authkey: Buffer.from("secret") })
  console.log(`Server listening on ${listener.address}`)
  try {
    for (let i = 0; i < 3; i++) {
      const conn = await listener.accept()
      console.log(`Connection ${i + 1} accepted`)
      try {
        for (;;) {
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

async function clientProcess(address, clientId) {
  const { Client } = await import("effect-multiprocessing/compat")
  const conn = await Client(address, { authkey: Buffer.from("secret") })
  for (let i = 0; i < 3; i++) {
    await conn.send(`Message ${i} from client ${clientId}`)
    console.log(`Client ${clientId} got response: ${await conn.recv()}`)
  }
  conn.close()
}

const address = path.join(os.tmpdir(), `listener-client-example-${process.pid}.sock`)
const server = new Process({ target: serverProcess, args: [address] })
server.start()
await new Promise((resolve) => setTimeout(resolve, 500)) // let the server start, as the original does

for (let i = 0; i < 3; i++) {
  const client = new Process({ target: clientProcess, args: [address, i] })
  client.start()
  await client.join() // one at a time: the server serves clients in turn
}
await server.join()
console.log(`server exit code ${server.exitCode}`)
