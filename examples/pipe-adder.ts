// A server process that adds what it is sent, over a Pipe, until the client
// closes it (Beazley's Python Essential Reference), ported to the compat face:
//
//   import multiprocessing
//   # A server process
//   def adder(pipe):
//       server_p, client_p = pipe
//       client_p.close()
//       while True:
//           try:
//               x, y = server_p.recv()
//           except EOFError:
//               break
//           result = x + y
//           server_p.send(result)
//       # Shutdown
//       print("Server done")
//   if __name__ == '__main__':
//       (server_p, client_p) = multiprocessing.Pipe()
//       # Launch the server process
//       adder_p = multiprocessing.Process(target=adder, args=((server_p, client_p),))
//       adder_p.start()
//       # Close the server pipe in the client
//       server_p.close()
//       # Make some requests on the server
//       client_p.send((3, 4))
//       print(client_p.recv())
//       client_p.send(('Hello', 'World'))
//       print(client_p.recv())
//       # Done. Close the pipe
//       client_p.close()
//       # Wait for the consumer process to shutdown
//       adder_p.join()
//
// Beazley's child gets both ends, as a forked child inherits every descriptor
// anyway, and closes the one it does not use. Here a child gets only what it is
// given, so the adder is given the server's end alone. (It could not be given
// the client's end too: this process stops reading an end it hands to a child,
// and it reads the sums from that end.)
//
// One pipe carries both the pairs and the sums, so its type is their union.
import { type Connection, Pipe, Process } from "effect-multiprocessing/compat"

type Pair = readonly [number, number] | readonly [string, string]
type Message = Pair | number | string

// A server process
async function adder(serverP: Connection<Message>) {
  const { EOFError } = await import("effect-multiprocessing/compat")
  while (true) {
    let pair: Pair
    try {
      pair = (await serverP.recv()) as Pair // requests are pairs
    } catch (error) {
      if (!(error instanceof EOFError)) throw error
      break
    }
    const [x, y] = pair
    // Python's + adds numbers and joins strings; so does JavaScript's, once TypeScript knows which.
    const result = typeof x === "number" && typeof y === "number" ? x + y : `${x}${y}`
    await serverP.send(result)
  }
  // Shutdown
  console.log("Server done")
}

const [serverP, clientP] = await Pipe<Message>()
// Launch the server process
const adderP = new Process({ target: adder, args: [serverP] })
adderP.start()
// Close the server pipe in the client
serverP.close()
// Make some requests on the server
await clientP.send([3, 4])
console.log(await clientP.recv())
await clientP.send(["Hello", "World"])
console.log(await clientP.recv())
// Done. Close the pipe
clientP.close()
// Wait for the consumer process to shutdown
await adderP.join()
