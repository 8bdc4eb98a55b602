// A service process answering a client process's requests over a Pipe; the
// client's requests done, the service is terminated (billiard's example),
// ported to the compat face:
//
//   from billiard import Process, Pipe
//   def service(conn):
//       while True:
//           try:
//               request = conn.recv()
//               response = f"Processed: {request}"
//               conn.send(response)
//           except EOFError:
//               break
//       conn.close()
//   def client_requests(conn):
//       for i in range(3):
//           request = f"request_{i}"
//           conn.send(request)
//           response = conn.recv()
//           print(f"Got response: {response}")
//       conn.close()
//   # Usage
//   service_conn, client_conn = Pipe()
//   srv = Process(target=service, args=(service_conn,))
//   cli = Process(target=client_requests, args=(client_conn,))
//   srv.start()
//   cli.start()
//   cli.join()
//   srv.terminate()
//   srv.join()
//
// The service would stop at end of file, but this process still holds a copy
// of the client's end, as Python's does: so it is terminated (exit code -15,
// Python's -SIGTERM), and the copies are closed after.
import { type Connection, Pipe, Process } from "effect-multiprocessing/compat"

async function service(conn: Connection<string>) {
  const { EOFError } = await import("effect-multiprocessing/compat")
  while (true) {
    try {
      const request = await conn.recv()
      const response = `Processed: ${request}`
      await conn.send(response)
    } catch (error) {
      if (!(error instanceof EOFError)) throw error
      break
    }
  }
  conn.close()
}

async function clientRequests(conn: Connection<string>) {
  for (let i = 0; i < 3; i++) {
    const request = `request_${i}`
    await conn.send(request)
    const response = await conn.recv()
    console.log(`Got response: ${response}`)
  }
  conn.close()
}

// Usage
const [serviceConn, clientConn] = await Pipe<string>()
const srv = new Process({ target: service, args: [serviceConn] })
const cli = new Process({ target: clientRequests, args: [clientConn] })
srv.start()
cli.start()
await cli.join()
srv.terminate()
await srv.join()
console.log(`service terminated, exit code ${srv.exitCode}`)
serviceConn.close()
clientConn.close()
