/**
 * What one OS process keeps on `globalThis`, under registered symbols, so
 * that every copy of the library loaded in it (the package, the child
 * bootstrap's bundle, a second install) shares it: its identity as its parent
 * gave it, the children it started, the remote servers it reached, the target
 * modules being imported, its open connections and the work to finish before
 * it exits. Plain JavaScript: the child bootstrap reads these before Effect is
 * loaded.
 */

/**
 * Servers of other families this process reaches (remote managers it
 * connected to): where it reaches each (by the address the server names
 * itself with) and the authkey, hex. Kept on `globalThis`, so that every copy
 * of the library in a process (the child bootstrap's bundle, the package)
 * shares them, and handed to children, as Python's proxies carry the authkey to
 * processes they are passed to at start.
 */
export const REMOTE_SERVERS_KEY = Symbol.for("effect-multiprocessing/remoteServers")

export type RemoteServers = Map<string, { readonly reached: unknown; readonly authkey: string }>

export const remoteServers = (): RemoteServers => {
  const g = globalThis as Record<symbol, RemoteServers | undefined>
  return (g[REMOTE_SERVERS_KEY] ??= new Map())
}

const HANDED_DESCRIPTORS_KEY = Symbol.for("effect-multiprocessing/handedDescriptors")

/**
 * In a child that was a ready process: where the descriptors its parent sent
 * after the Start message landed, by the number its arguments name them with
 * (4, 5 … as in a child that got them at spawn). Empty elsewhere.
 */
export const handedDescriptors = (): Map<number, number> => {
  const g = globalThis as Record<symbol, Map<number, number> | undefined>
  return (g[HANDED_DESCRIPTORS_KEY] ??= new Map())
}

/** Where the child bootstrap publishes its identity for `currentProcess()` in the child. */
export const CURRENT_PROCESS_KEY = Symbol.for("effect-multiprocessing/currentProcess")

/**
 * How many target modules the child bootstrap is importing right now. A
 * process that starts children meanwhile is one whose target module starts
 * processes at its top level: it would start a new child in every child,
 * without end (Python's "bootstrapping phase" error).
 */
export const LOADING_TARGETS_KEY = Symbol.for("effect-multiprocessing/loadingTargets")

/** The URL of a target module being imported by this process's bootstrap, if any. */
export const loadingTarget = (): string | undefined =>
  ((globalThis as Record<symbol, Set<string> | undefined>)[LOADING_TARGETS_KEY])?.values().next().value

/** Marks `url` as being imported for the time of `load`. */
export const whileLoadingTarget = async <A>(url: string, load: () => Promise<A>): Promise<A> => {
  const g = globalThis as Record<symbol, Set<string> | undefined>
  const loading = (g[LOADING_TARGETS_KEY] ??= new Set())
  loading.add(url)
  try {
    return await load()
  } finally {
    loading.delete(url)
  }
}

const CHILDREN_KEY = Symbol.for("effect-multiprocessing/liveChildren")

/** What this process needs of a live child when it exits: wait for it (non-daemon) or terminate it (daemon). */
export interface ChildRecord {
  readonly daemon: boolean
  readonly exitCode: number | null
  readonly awaitExit: () => Promise<void>
  /** Sends SIGTERM at once, synchronously: the only kind of work an exiting process can still do. */
  readonly terminateNow: () => void
}

/**
 * Work a process must finish before it exits (a connection still opening with
 * queue items waiting to go through it): the child bootstrap waits for these
 * before it flushes its sockets.
 */
export const PENDING_BEFORE_EXIT_KEY = Symbol.for("effect-multiprocessing/pendingBeforeExit")

export const pendingBeforeExit = (): Set<Promise<unknown>> => {
  const g = globalThis as Record<symbol, Set<Promise<unknown>> | undefined>
  return (g[PENDING_BEFORE_EXIT_KEY] ??= new Set())
}

/**
 * The children this OS process started and that have not exited, whichever
 * runtime or Layer started them: Python keeps this per process, and so do we.
 * The child bootstrap waits for the non-daemon ones before the child exits, as
 * Python does.
 */
export const liveChildren = (): Set<ChildRecord> => {
  const g = globalThis as Record<symbol, Set<ChildRecord> | undefined>
  const existing = g[CHILDREN_KEY]
  if (existing !== undefined) return existing
  const children = (g[CHILDREN_KEY] = new Set())
  process.once("exit", () => terminateDaemons(children))
  return children
}

/**
 * Python's exit function terminates the daemon children still running before
 * anything else closes. Left to the operating system, a daemon would see this
 * process's sockets close before its parent-death signal arrives, and report
 * the shared objects it was using as gone.
 */
const terminateDaemons = (children: Set<ChildRecord>) => {
  for (const child of children) {
    if (child.daemon && child.exitCode === null) child.terminateNow()
  }
}
