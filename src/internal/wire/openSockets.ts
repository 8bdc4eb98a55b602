/** The registry of open sockets a process flushes before it exits. */
import { OPEN_SOCKETS_KEY, type OpenSocket } from "../process/controlMessages.js"

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
