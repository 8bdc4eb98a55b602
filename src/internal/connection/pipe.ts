/**
 * A Pipe's two ends: an OS stream socket pair (AF_UNIX). Node has no
 * socketpair call, so the pair is made the way the OS allows: a listener on a
 * fresh private (0700) directory, one connect, one accept; then the listener
 * and its directory are gone and only the two connected sockets remain.
 */
import * as net from "node:net"
import * as path from "node:path"
import { Effect, type Scope } from "effect"
import { OSError } from "../../Errors.js"
import type { Options } from "../../Pipe.js"
import * as Serializer from "../../Serializer.js"
import * as PrivateDirectory from "../thisProcess/privateDirectory.js"
import * as FramedSocket from "../wire/framedSocket.js"
import { ConnectionImpl } from "./connection.js"

const socketPair: Effect.Effect<readonly [net.Socket, net.Socket], OSError> = Effect.async((resume) => {
  const directory = PrivateDirectory.make("pipe")
  const address = path.join(directory, "pipe.sock")
  let client: net.Socket | undefined
  // Both ends are made paused: nothing is read until a receive asks (an end handed to a child
  // unread must keep every byte for it).
  const server = net.createServer({ pauseOnConnect: true }, (accepted) => {
    server.close()
    PrivateDirectory.remove(directory)
    resume(Effect.succeed([client!, accepted] as const))
  })
  server.once("error", (error) => {
    PrivateDirectory.remove(directory)
    resume(Effect.fail(new OSError({ message: `cannot make a pipe: ${error.message}` })))
  })
  server.listen(address, () => {
    client = net.connect(address)
    client.pause()
    client.once("error", (error) => resume(Effect.fail(new OSError({ message: `cannot make a pipe: ${error.message}` }))))
  })
})

export const make = <A = unknown, E = never>(
  options?: Options<A, E>
): Effect.Effect<readonly [ConnectionImpl<A, E>, ConnectionImpl<A, E>], OSError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const [a, b] = yield* socketPair
      const serializer = (options?.serializer ?? Serializer.unknown) as Serializer.Serializer<A, E>
      const duplex = options?.duplex ?? true
      const first = new ConnectionImpl(yield* FramedSocket.make(a), serializer, true, duplex)
      const second = new ConnectionImpl(yield* FramedSocket.make(b), serializer, duplex, true)
      return [first, second] as const
    }),
    ([first, second]) => Effect.zipRight(first.close, second.close)
  )
