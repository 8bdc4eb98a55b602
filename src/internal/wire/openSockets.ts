/** The registry of open sockets a process flushes before it exits. */
import type { Socket } from "node:net"

/**
 * Where a process keeps its open connections, which may still hold frames not
 * yet written out: a child flushes them before it exits, since a send returns
 * once its frame is batched.
 */
export const OPEN_SOCKETS_KEY = Symbol.for("effect-multiprocessing/openSockets")

/** An open connection as the child bootstrap sees it: `flush` hands batched frames to the socket. */
export interface OpenSocket {
  readonly socket: Socket
  readonly flush: () => void
}


/**
 * This process's open connections, for the child bootstrap to flush before
 * exiting; others may add an entry that queues what must still leave on a
 * socket (a queue proxy's pending items) and flushes it.
 */
export const openSockets = (): Set<OpenSocket> => {
  const g = globalThis as Record<symbol, Set<OpenSocket> | undefined>
  if (g[OPEN_SOCKETS_KEY] === undefined) {
    g[OPEN_SOCKETS_KEY] = new Set()
    // `process.exit()` runs no pending ticks: frames batched for the end of this tick are written
    // now (libuv writes at once when nothing is queued before them), as a blocking write would have.
    process.once("exit", () => {
      for (const open of g[OPEN_SOCKETS_KEY]!) open.flush()
    })
  }
  return g[OPEN_SOCKETS_KEY]
}
