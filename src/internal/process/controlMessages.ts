/**
 * The messages a parent and its child exchange on the child's control channel
 * (file descriptor 3, a socket pair), framed by `framing.ts` and encoded with
 * the default codec. Plain types: the child bootstrap reads them before Effect
 * is loaded; the parent checks what it receives with the `Outcome` Schema in
 * `internal/nodeChild.ts`.
 */
import type { Socket } from "node:net"
import type { ErrorData } from "../codec/codec.js"
import type { PoolWorkerSettings } from "../pool/workerChannel.js"

/** The control channel's descriptor in the child. */
export const CONTROL_FD = 3

export type TargetSpec =
  | { readonly _tag: "Inline"; readonly name: string; readonly expression: string }
  | { readonly _tag: "Module"; readonly name: string; readonly url: string; readonly exportName: string }

/** Who the child is, as `currentProcess()` reports it there. */
export interface ProcessIdentity {
  readonly name: string
  readonly daemon: boolean
  /** Hex, so that a Start message of plain data stays on the codec's JSON path. */
  readonly authkey: string
  /** Python's `_identity`: position among its parent's children, appended to the parent's. */
  readonly identity: ReadonlyArray<number>
  readonly parentPid: number
  readonly parentName: string
  readonly executable: string
}

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

/** Parent → child, once, first. */
export interface StartMessage {
  readonly _tag: "Start"
  readonly target: TargetSpec
  readonly args: ReadonlyArray<unknown>
  readonly process: ProcessIdentity
  /** The parent's remote servers (see `remoteServers`), when it has any. */
  readonly remoteServers?: ReadonlyArray<readonly [string, { readonly reached: unknown; readonly authkey: string }]>
  /** URL of tsx's ESM API, present only when the target module is TypeScript. */
  readonly typescriptLoader?: string
  /**
   * Present when the arguments hold placeholders to revive (connections, shared primitives):
   * how many descriptors were handed over with them (Connection ends), from 4 on; see `internal/handles.ts`.
   */
  readonly handles?: number
  /** Present when the kernel will not signal the child at its parent's death (no setpriv): it must watch itself. */
  readonly watchParent?: true
  /** Present when the child is a pool worker: the target is its initializer, then it serves tasks (see `pool/workerChannel.ts`). */
  readonly pool?: PoolWorkerSettings
}

/**
 * Child → parent, once, last: what the target returned, why it failed (it
 * raised), why it could not run (the module or export would not load), or why
 * its value could not be sent back.
 */
export type OutcomeMessage =
  | { readonly _tag: "Returned"; readonly value?: unknown } // no key for undefined: keeps it on the JSON path
  | { readonly _tag: "Raised"; readonly error: ErrorData }
  | { readonly _tag: "LoadFailed"; readonly error: ErrorData }
  | { readonly _tag: "Unsendable"; readonly error: ErrorData }

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

/** Where a process keeps the children it started (see `liveChildren`). */
export const CHILDREN_KEY = Symbol.for("effect-multiprocessing/liveChildren")

/** What the bootstrap needs of a live child: whether to wait for it before exiting. */
export interface ChildRecord {
  readonly daemon: boolean
  readonly exitCode: number | null
  readonly awaitExit: () => Promise<void>
}

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
 * Work a process must finish before it exits (a connection still opening with
 * queue items waiting to go through it): the child bootstrap waits for these
 * before it flushes its sockets.
 */
export const PENDING_BEFORE_EXIT_KEY = Symbol.for("effect-multiprocessing/pendingBeforeExit")

export const pendingBeforeExit = (): Set<Promise<unknown>> => {
  const g = globalThis as Record<symbol, Set<Promise<unknown>> | undefined>
  return (g[PENDING_BEFORE_EXIT_KEY] ??= new Set())
}
