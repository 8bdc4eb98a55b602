/**
 * The service that starts processes: the seam between the library and a
 * backend. Programs depend on `Multiprocessing`; a Layer picks the backend —
 * `NodeMultiprocessing.layer` runs each Process and pool worker as an OS child
 * process running Node.
 *
 * The types below are the whole contract: a backend takes a request of plain
 * data (what to run, with which arguments, as whom) and gives back a handle
 * (pid, exit code, outcome, signals). How it carries them — descriptors,
 * messages, sockets — is its own business.
 *
 * @since 0.1.0
 */
import { Context, type Effect, type LogLevel, type Ref } from "effect"
import type { EncodedError, InvalidTargetError, ProcessError, SerializationError } from "./Errors.js"

/**
 * The ways a process can be started. Node cannot fork a running isolate, so
 * all have spawn's semantics (a fresh Node, fresh module state): "spawn"
 * boots a Node process for each start; "forkserver" keeps ready processes,
 * already booted and waiting, and hands each start to one of them; "thread"
 * runs each in a worker thread of this process (its own isolate and module
 * state, this process's pid; see docs/threads.md).
 *
 * @since 0.1.0
 * @category models
 */
export type StartMethod = "spawn" | "forkserver" | "thread"

/**
 * What a child runs: an inline function as source text (checked beforehand
 * for free variables), or a named export of a module, by URL.
 *
 * @since 0.1.0
 * @category models
 */
export type TargetSpec =
  | { readonly _tag: "Inline"; readonly name: string; readonly expression: string }
  | { readonly _tag: "Module"; readonly name: string; readonly url: string; readonly exportName: string }

/**
 * Who a child is, as `currentProcess()` reports it there.
 *
 * @since 0.1.0
 * @category models
 */
export interface ProcessIdentity {
  readonly name: string
  readonly daemon: boolean
  /** The family's authkey, hex (so that a start message of plain data stays on the codec's JSON path). */
  readonly authkey: string
  /** Python's `_identity`: position among its parent's children, appended to the parent's. */
  readonly identity: ReadonlyArray<number>
  readonly parentPid: number
  readonly parentName: string
  /** The Node binary the child runs. */
  readonly executable: string
}

/**
 * A span's identity as plain data: what a child needs so that the spans of
 * its Effect target are children of a span in its parent (the child runs the
 * Effect under `Tracer.externalSpan` of it).
 *
 * @since 0.1.0
 * @category models
 */
export interface SpanContext {
  readonly traceId: string
  readonly spanId: string
  readonly sampled: boolean
}

/**
 * What a backend needs to start one child.
 *
 * @since 0.1.0
 * @category models
 */
export interface SpawnRequest {
  readonly target: TargetSpec
  /** The target's arguments as the caller gave them: connections and shared primitives among them are the backend's to hand over. */
  readonly args: ReadonlyArray<unknown>
  readonly identity: ProcessIdentity
  /** Called once, when the child has exited, with its exit code (`-signal` for a signal). */
  readonly onExit: (exitCode: number) => void
  /** The span the child's work belongs to: an Effect its target returns runs as its child. */
  readonly parentSpan?: SpanContext
  /** How to start this child; the settings' start method when absent. */
  readonly startMethod?: StartMethod
}

/**
 * An error raised in a child, as data (see `Errors.EncodedError`).
 *
 * @since 0.1.0
 * @category models
 */
export type ChildError = EncodedError

/**
 * How a child's target ended: it returned a value, raised, could not be loaded
 * (the module or export), or returned a value that could not be sent back.
 *
 * @since 0.1.0
 * @category models
 */
export type ChildOutcome =
  | { readonly _tag: "Returned"; readonly value?: unknown } // no key for undefined: keeps it on the JSON path
  | { readonly _tag: "Raised"; readonly error: ChildError }
  | { readonly _tag: "LoadFailed"; readonly error: ChildError }
  | { readonly _tag: "Unsendable"; readonly error: ChildError }

/**
 * A running (or finished) child, as the backend reports it.
 *
 * @since 0.1.0
 * @category models
 */
export interface ChildHandle {
  readonly pid: number
  /** The worker thread's id when the child is a thread (its pid is then this process's). */
  readonly threadId?: number
  /** null while running; the code; `-signal` when a signal ended it. */
  readonly exitCode: () => number | null
  /** How the target ended, or undefined once the child is gone without a word (a crash, `process.exit`). */
  readonly outcome: Effect.Effect<ChildOutcome | undefined>
  readonly signal: (signal: "SIGTERM" | "SIGKILL") => void
  /** Whether the child keeps this process alive while it runs (non-daemon children do). */
  readonly setKeepsParentAlive: (keep: boolean) => void
}

/**
 * What a backend needs to start one pool worker: the target is its initializer.
 *
 * @since 0.1.0
 * @category models
 */
export interface WorkerSpawnRequest extends SpawnRequest {
  readonly pool: {
    /** Resident set size in bytes past which the worker retires after a task (billiard's `max_memory_per_child`). */
    readonly maxMemory?: number
  }
  /** Options for the worker's runtime (for Node, flags such as `--max-old-space-size=64`). */
  readonly execArgv?: ReadonlyArray<string>
}

/**
 * The byte stream between the pool and one worker, both ways: tasks go out,
 * results come back, framed by the pool's protocol.
 *
 * @since 0.1.0
 * @category models
 */
export interface WorkerChannel {
  /** Bytes written and not yet handed to the system. */
  readonly writableLength: number
  /** Bytes received and not yet read. */
  readonly readableLength: number
  write(bytes: Uint8Array): boolean
  /** No more tasks: the worker finishes what it has, then its end closes too. */
  end(): unknown
  on(event: "data", listener: (chunk: Buffer) => void): unknown
  on(event: "close", listener: () => void): unknown
  /** Starts the flow of results. */
  resume(): unknown
}

/**
 * A running pool worker.
 *
 * @since 0.1.0
 * @category models
 */
export interface WorkerHandle {
  readonly pid: number
  /** The worker thread's id when the worker is a thread. */
  readonly threadId?: number
  readonly channel: WorkerChannel
  readonly signal: (signal: "SIGTERM" | "SIGKILL") => void
  readonly setKeepsParentAlive: (keep: boolean) => void
}

/**
 * Settings shared by every process this one starts.
 *
 * @since 0.1.0
 * @category models
 */
export interface Settings {
  readonly startMethod: StartMethod
  /** Whether `setStartMethod` fixed it; until then `getStartMethod({ allowNone: true })` gives null. */
  readonly startMethodFixed: boolean
  /** The Node binary children run. */
  readonly executable: string
  /** With "forkserver": how many ready processes are kept (0: none, every start spawns). */
  readonly readyProcesses: number
}

/**
 * What a backend provides. Settings and logging are per OS process, as in
 * Python: every build of a backend's Layer in one process shares them.
 *
 * @since 0.1.0
 * @category models
 */
export interface MultiprocessingService {
  /** The start methods this backend offers. */
  readonly startMethods: ReadonlyArray<StartMethod>
  /**
   * Where new locks, semaphores, Values and Arrays live: "shared-memory" when
   * the native addon is loaded (operations run in the calling process, over
   * memory every process maps), else "served" by the process that makes them
   * (see docs/synchronization.md).
   */
  readonly primitives: "shared-memory" | "served"
  readonly settings: Ref.Ref<Settings>
  /** The level from which the library's own log lines go to stderr; undefined: silent (Python's default). */
  readonly logLevel: Ref.Ref<LogLevel.LogLevel | undefined>
  /** Starts a child; succeeds once it has a pid. */
  readonly spawn: (
    request: SpawnRequest
  ) => Effect.Effect<ChildHandle, ProcessError | InvalidTargetError | SerializationError>
  /** Starts a pool worker; succeeds once it has a pid. */
  readonly spawnWorker: (
    request: WorkerSpawnRequest
  ) => Effect.Effect<WorkerHandle, ProcessError | InvalidTargetError | SerializationError>
  /** Checks an executable before it is used, so a bad one fails `setExecutable`, not every start. */
  readonly checkExecutable: (path: string) => Effect.Effect<void, ProcessError>
  /**
   * Told the settings once they changed (`setStartMethod`, `setExecutable`): a
   * backend may boot ahead what starts will need ("forkserver": its ready
   * processes), or end what they no longer will.
   */
  readonly settingsChanged?: (settings: Settings) => Effect.Effect<void>
}

/**
 * The service's tag.
 *
 * @since 0.1.0
 * @category tags
 */
export class Multiprocessing extends Context.Tag("effect-multiprocessing/Multiprocessing")<
  Multiprocessing,
  MultiprocessingService
>() {}
