/**
 * How runners and callers prove to each other that they hold the cluster's
 * shared secret, before a byte of the cluster's protocol is read: a mutual
 * HMAC-SHA256 challenge on every new TCP connection (the scheme of
 * multiprocessing's `Listener`/`Client` authkey). The server speaks first
 * with a random challenge; the client answers with its HMAC and its own
 * challenge; the server checks it (constant time), then answers the client's.
 * A peer that fails, or says nothing within the handshake's time, is
 * disconnected: the cluster's RPC server never sees its socket.
 *
 * Like multiprocessing's authkey, this authenticates; it does not encrypt.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"
import * as Net from "node:net"
import * as Runners from "@effect/cluster/Runners"
import * as ShardingConfig from "@effect/cluster/ShardingConfig"
import * as Socket from "@effect/platform/Socket"
import * as SocketServer from "@effect/platform/SocketServer"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as RpcClient from "@effect/rpc/RpcClient"
import * as RpcSerialization from "@effect/rpc/RpcSerialization"
import { Deferred, Effect, ExecutionStrategy, Exit, FiberSet, Layer, Option, Redacted, Scope } from "effect"
import { AuthenticationError } from "../../Errors.js"

const MAGIC = Buffer.from("EMPC1") // effect-multiprocessing cluster, version 1
const CHALLENGE = 32
const MAC = 32
const OK = 1
const REFUSED = 0
/** How long a peer may take to authenticate: generous (a starved machine), but a silent peer is not kept. */
export const HANDSHAKE_TIMEOUT_MS = 20_000

const mac = (secret: Redacted.Redacted<string>, role: "client" | "server", challenge: Uint8Array) =>
  createHmac("sha256", Redacted.value(secret)).update(role).update(challenge).digest()

const same = (a: Uint8Array, b: Uint8Array) => a.byteLength === b.byteLength && timingSafeEqual(a, b)

/**
 * Reads exactly `n` bytes from a socket that has no 'data' listener, leaving
 * the rest in its buffer: once the handshake's 'readable' listeners are gone,
 * the protocol's 'data' listener gets it (the stream was never paused).
 */
const readExactly = (socket: Net.Socket, n: number, done: (error: Error | undefined, bytes?: Buffer) => void): void => {
  const attempt = () => {
    const bytes = socket.read(n) as Buffer | null
    if (bytes === null) return false
    cleanup()
    done(undefined, bytes)
    return true
  }
  const onEnd = () => {
    cleanup()
    done(new Error("the peer closed the connection during authentication"))
  }
  const onError = (error: Error) => {
    cleanup()
    done(error)
  }
  const cleanup = () => {
    socket.off("readable", attempt)
    socket.off("end", onEnd)
    socket.off("close", onEnd)
    socket.off("error", onError)
  }
  socket.on("readable", attempt)
  socket.on("end", onEnd)
  socket.on("close", onEnd)
  socket.on("error", onError)
  attempt()
}

/**
 * `done`, called once: with the first outcome, or with an error saying `late`
 * once the handshake has taken `HANDSHAKE_TIMEOUT_MS`.
 */
const settleOnce = (done: (error: AuthenticationError | undefined) => void, late: string) => {
  let settled = false
  const finish = (error: AuthenticationError | undefined) => {
    if (settled) return
    settled = true
    clearTimeout(timer)
    done(error)
  }
  const timer = setTimeout(() => finish(new AuthenticationError({ message: late })), HANDSHAKE_TIMEOUT_MS)
  timer.unref?.()
  return { finish, settled: () => settled }
}

/** The server's side of the handshake on a fresh connection; `done(undefined)` when the peer holds the secret. */
export const authenticateServer = (
  socket: Net.Socket,
  secret: Redacted.Redacted<string>,
  done: (error: AuthenticationError | undefined) => void
): void => {
  const { finish, settled } = settleOnce(done, "the peer did not authenticate in time")
  const challenge = randomBytes(CHALLENGE)
  socket.write(Buffer.concat([MAGIC, challenge]))
  readExactly(socket, MAC + CHALLENGE, (error, reply) => {
    if (settled()) return
    if (error !== undefined || reply === undefined) {
      return finish(new AuthenticationError({ message: `authentication failed: ${error?.message ?? "no reply"}` }))
    }
    if (!same(reply.subarray(0, MAC), mac(secret, "client", challenge))) {
      socket.end(Buffer.from([REFUSED]))
      return finish(new AuthenticationError({ message: "a peer without the cluster's secret was refused" }))
    }
    socket.write(Buffer.concat([Buffer.from([OK]), mac(secret, "server", reply.subarray(MAC))]))
    finish(undefined)
  })
}

/** The client's side: answers the server's challenge and checks the server's answer to its own. */
export const authenticateClient = (
  socket: Net.Socket,
  secret: Redacted.Redacted<string>,
  done: (error: AuthenticationError | undefined) => void
): void => {
  const { finish } = settleOnce(done, "the runner did not authenticate in time")
  readExactly(socket, MAGIC.byteLength + CHALLENGE, (error, hello) => {
    if (error !== undefined || hello === undefined) {
      return finish(new AuthenticationError({ message: `authentication failed: ${error?.message ?? "no challenge"}` }))
    }
    if (!same(hello.subarray(0, MAGIC.byteLength), MAGIC)) {
      return finish(new AuthenticationError({ message: "the peer is not an effect-multiprocessing cluster runner" }))
    }
    const challenge = randomBytes(CHALLENGE)
    socket.write(Buffer.concat([mac(secret, "client", hello.subarray(MAGIC.byteLength)), challenge]))
    readExactly(socket, 1, (error, status) => {
      if (error !== undefined || status === undefined || status[0] !== OK) {
        return finish(new AuthenticationError({ message: "the runner refused this process: the cluster's secret differs" }))
      }
      readExactly(socket, MAC, (error, answer) => {
        if (error !== undefined || answer === undefined || !same(answer, mac(secret, "server", challenge))) {
          return finish(new AuthenticationError({ message: "the runner does not hold the cluster's secret" }))
        }
        finish(undefined)
      })
    })
  })
}

/** A TCP connection to `host:port`, authenticated; fails with `AuthenticationError` or the socket's error. */
export const connect = (
  address: { readonly host: string; readonly port: number },
  secret: Redacted.Redacted<string>
): Effect.Effect<Net.Socket, AuthenticationError | Socket.SocketError, Scope.Scope> =>
  Effect.acquireRelease(
    // Interruptible: a connection still opening when its scope closes is destroyed by the canceller below.
    Effect.interruptible(Effect.async<Net.Socket, AuthenticationError | Socket.SocketError>((resume) => {
      // No Nagle: a call is one small frame that should leave at once.
      const socket = Net.createConnection({ host: address.host, port: address.port, noDelay: true })
      const onError = (cause: Error) => resume(Effect.fail(new Socket.SocketGenericError({ reason: "Open", cause })))
      socket.once("error", onError)
      socket.once("connect", () => {
        socket.off("error", onError)
        authenticateClient(socket, secret, (error) => {
          if (error === undefined) {
            resume(Effect.succeed(socket))
          } else {
            socket.destroy()
            resume(Effect.fail(error))
          }
        })
      })
      return Effect.sync(() => socket.destroy())
    })),
    (socket) => Effect.sync(() => socket.destroy())
  )

/**
 * The runners' RPC client protocol over authenticated connections (in place
 * of `NodeClusterSocket.layerClientProtocol`).
 *
 * Each protocol (its connection and its reconnecting loop) lives in a scope
 * of its own, closed with the scope it is made in and at the latest with this
 * Layer. The cluster keeps protocols in an `RcMap` by runner address, and
 * concurrent first calls to one address each make an entry: all but the last
 * are dropped from the map without their scope being closed (effect 3.22's
 * `RcMap.get`), and their loops would reconnect to a stopped runner forever,
 * keeping the process alive. Tying them to this Layer ends them with it.
 */
export const layerClientProtocol = (secret: Redacted.Redacted<string>): Layer.Layer<Runners.RpcClientProtocol, never, RpcSerialization.RpcSerialization> =>
  Layer.scoped(
    Runners.RpcClientProtocol,
    Effect.gen(function*() {
      const serialization = yield* RpcSerialization.RpcSerialization
      const layerScope = yield* Effect.scope
      return (address) =>
        Effect.gen(function*() {
          const own = yield* Scope.fork(layerScope, ExecutionStrategy.sequential)
          yield* Effect.addFinalizer(() => Scope.close(own, Exit.void))
          const socket = yield* NodeSocket.fromDuplex(
            Effect.mapError(connect(address, secret), (error) =>
              error._tag === "AuthenticationError" ? new Socket.SocketGenericError({ reason: "Open", cause: error }) : error),
            { openTimeout: HANDSHAKE_TIMEOUT_MS }
          )
          return yield* RpcClient.makeProtocolSocket().pipe(
            Effect.provideService(Socket.Socket, socket),
            Effect.provideService(RpcSerialization.RpcSerialization, serialization),
            Scope.extend(own)
          )
        })
    })
  )

/**
 * A TCP socket server that hands the cluster's RPC server only connections
 * that authenticated (in place of `NodeClusterSocket.layerSocketServer`).
 */
export const makeSocketServer = (
  options: Net.ListenOptions,
  secret: Redacted.Redacted<string>
): Effect.Effect<SocketServer.SocketServer["Type"], SocketServer.SocketServerError, Scope.Scope> =>
  Effect.gen(function*() {
    const failed = yield* Deferred.make<never, Error>()
    const pending: Array<Net.Socket> = []
    let onConnection: (conn: Net.Socket) => void = (conn) => pending.push(conn)
    const open = new Set<Net.Socket>()
    const server = Net.createServer({ noDelay: true }, (conn) => {
      open.add(conn)
      conn.on("close", () => open.delete(conn))
      conn.on("error", () => {})
      authenticateServer(conn, secret, (error) => {
        if (error === undefined) onConnection(conn)
        else conn.destroy()
      })
    })
    yield* Effect.addFinalizer(() =>
      Effect.async<void>((resume) => {
        for (const conn of open) conn.destroy()
        server.close(() => resume(Effect.void))
      })
    )
    server.on("error", (cause) => Deferred.unsafeDone(failed, Exit.fail(cause)))
    yield* Effect.async<void>((resume) => {
      server.listen(options, () => resume(Effect.void))
    }).pipe(
      Effect.raceFirst(Effect.mapError(Deferred.await(failed), (cause) => new SocketServer.SocketServerError({ reason: "Open", cause })))
    )
    const run = <R, E, _>(handler: (socket: Socket.Socket) => Effect.Effect<_, E, R>) =>
      Effect.gen(function*() {
        const scope = yield* Scope.make()
        const fibers = yield* FiberSet.make().pipe(Scope.extend(scope))
        const runFork = yield* FiberSet.runtime(fibers)<R>()
        const serve = (conn: Net.Socket) => {
          runFork(
            NodeSocket.fromDuplex(
              Effect.acquireRelease(
                Effect.suspend(() =>
                  conn.closed ? Effect.fail(new Socket.SocketCloseError({ reason: "Close", code: 1000 })) : Effect.succeed(conn)
                ),
                (conn) => Effect.sync(() => conn.destroySoon())
              )
            ).pipe(Effect.flatMap(handler), Effect.catchAllCause(() => Effect.void))
          )
        }
        return yield* Effect.async<never>(() => {
          const before = onConnection
          onConnection = serve
          pending.splice(0).forEach(serve)
          return Effect.suspend(() => {
            onConnection = before
            return Scope.close(scope, Exit.void)
          })
        }).pipe(
          Effect.raceFirst(Effect.mapError(Deferred.await(failed), (cause) => new SocketServer.SocketServerError({ reason: "Unknown", cause })))
        )
      })
    const address = server.address()
    return SocketServer.SocketServer.of({
      address: typeof address === "string" || address === null
        ? { _tag: "UnixAddress", path: String(address) }
        : { _tag: "TcpAddress", hostname: address.address, port: address.port },
      run
    })
  })

/** The runner's listening socket, authenticated, at the address of its `ShardingConfig`. */
export const layerSocketServer = (secret: Redacted.Redacted<string>): Layer.Layer<SocketServer.SocketServer, SocketServer.SocketServerError, ShardingConfig.ShardingConfig> =>
  Layer.scoped(
    SocketServer.SocketServer,
    Effect.gen(function*() {
      const config = yield* ShardingConfig.ShardingConfig
      const listen = Option.getOrUndefined(Option.orElse(config.runnerListenAddress, () => config.runnerAddress))
      if (listen === undefined) return yield* Effect.dieMessage("a runner needs an address to listen at")
      return yield* makeSocketServer({ host: listen.host, port: listen.port }, secret)
    })
  )
