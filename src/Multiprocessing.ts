/**
 * The service that starts processes (and, later, serves shared primitives).
 * Programs depend on `Multiprocessing`; a Layer picks the backend —
 * `NodeMultiprocessing.layer` runs each Process as an OS child process.
 *
 * @since 0.1.0
 */
import { Context, type Effect, type LogLevel, type Ref } from "effect"
import type { InvalidTargetError, ProcessError, SerializationError } from "./Errors.js"
import type { PoolWorkerSettings } from "./internal/pool/workerChannel.js"
import type { OutcomeMessage, ProcessIdentity, TargetSpec } from "./internal/process/controlMessages.js"

/** The ways a process can be started. Node cannot fork a running isolate: only "spawn". */
export type StartMethod = "spawn"

/** What a backend needs to start one child. */
export interface SpawnRequest {
  readonly target: TargetSpec
  readonly args: ReadonlyArray<unknown>
  /** OS sockets to hand to the child, in the order the arguments' placeholders number them. */
  readonly sockets: ReadonlyArray<import("node:net").Socket>
  /** Whether the arguments hold placeholders (connections, shared primitives) for the child to revive. */
  readonly placeholders: boolean
  readonly identity: ProcessIdentity
  /** Called once, when the child has exited, with its exit code (`-signal` for a signal). */
  readonly onExit: (exitCode: number) => void
}

/** A running (or finished) child, as the backend reports it. */
export interface ChildHandle {
  readonly pid: number
  /** null while running; the code; `-signal` when a signal ended it. */
  readonly exitCode: () => number | null
  /** What the target returned or raised, or undefined once the channel closed without a word (a crash, `process.exit`). */
  readonly outcome: Effect.Effect<OutcomeMessage | undefined>
  readonly signal: (signal: "SIGTERM" | "SIGKILL") => void
  /** Whether the child keeps this process alive while it runs (non-daemon children do). */
  readonly setKeepsParentAlive: (keep: boolean) => void
}

/** What a backend needs to start one pool worker: the target is its initializer. */
export interface WorkerSpawnRequest extends SpawnRequest {
  readonly pool: PoolWorkerSettings
  /** Options for the worker's runtime (for Node, flags such as `--max-old-space-size=64`). */
  readonly execArgv?: ReadonlyArray<string>
}

/** A running pool worker: its control channel carries tasks and results (see `internal/pool/workerChannel.ts`). */
export interface WorkerHandle {
  readonly pid: number
  readonly channel: import("node:net").Socket
  readonly signal: (signal: "SIGTERM" | "SIGKILL") => void
  readonly setKeepsParentAlive: (keep: boolean) => void
}

/** Settings shared by every process this one starts. */
export interface Settings {
  readonly startMethod: StartMethod
  /** Whether `setStartMethod` fixed it; until then `getStartMethod({ allowNone: true })` gives null. */
  readonly startMethodFixed: boolean
  /** The Node binary children run. */
  readonly executable: string
}

/**
 * Settings and logging are per OS process, as in Python: every build of a
 * backend's Layer in one process shares them.
 *
 * @since 0.1.0
 */
export interface MultiprocessingService {
  readonly startMethods: ReadonlyArray<StartMethod>
  readonly settings: Ref.Ref<Settings>
  /** The level from which the library's own log lines go to stderr; undefined: silent (Python's default). */
  readonly logLevel: Ref.Ref<LogLevel.LogLevel | undefined>
  readonly spawn: (
    request: SpawnRequest
  ) => Effect.Effect<ChildHandle, ProcessError | InvalidTargetError | SerializationError>
  readonly spawnWorker: (
    request: WorkerSpawnRequest
  ) => Effect.Effect<WorkerHandle, ProcessError | InvalidTargetError | SerializationError>
  /** Checks an executable before it is used, so a bad one fails `setExecutable`, not every start. */
  readonly checkExecutable: (path: string) => Effect.Effect<void, ProcessError>
}

/** @since 0.1.0 */
export class Multiprocessing extends Context.Tag("effect-multiprocessing/Multiprocessing")<
  Multiprocessing,
  MultiprocessingService
>() {}
