/**
 * The module-level functions of Python's multiprocessing, around the process
 * this code runs in: who am I (`currentProcess`, `parentProcess`), what runs
 * (`activeChildren`), how processes start (`getStartMethod`, `setStartMethod`,
 * `getAllStartMethods`, `getContext`, `setExecutable`), `cpuCount`, logging,
 * `freezeSupport`. (Named so as not to clash with effect's `Context`; Python's
 * `get_context()` gives a `ProcessContext`.)
 *
 * @since 0.1.0
 */
import * as os from "node:os"
import { Effect, type Logger, LogLevel, Ref } from "effect"
import { ProcessError, StartMethodError, ValueError } from "./Errors.js"
import { Multiprocessing, type Settings, type StartMethod } from "./Multiprocessing.js"
import { currentIdentity, familyAuthkey } from "./internal/thisProcess/currentProcess.js"
import { isAlive } from "./internal/thisProcess/liveness.js"
import { log, stderrLogger } from "./internal/thisProcess/log.js"
import { setMadeForThreads } from "./internal/native/threadMemory.js"
import { liveChildren } from "./internal/thisProcess/processGlobals.js"
import { isProcess, type Process } from "./Process.js"

/**
 * This process as multiprocessing sees it.
 *
 * @since 0.1.0
 * @category models
 */
export interface CurrentProcess {
  readonly name: string
  readonly pid: number
  readonly daemon: boolean
  /** Shared by a process family; connections and servers authenticate with it. */
  readonly authkey: Uint8Array
  /** Position among its ancestors' children, e.g. [1, 2] for `Process-1:2`; [] for the main process. */
  readonly identity: ReadonlyArray<number>
}

/**
 * The process that started this one.
 *
 * @since 0.1.0
 * @category models
 */
export interface ParentProcess {
  readonly name: string
  readonly pid: number
  /** Whether the parent still runs. */
  readonly isAlive: Effect.Effect<boolean>
}

/**
 * The number of CPUs in the system (Python's `cpu_count`).
 *
 * @since 0.1.0
 * @category getters
 */
export const cpuCount: Effect.Effect<number> = Effect.sync(() => os.cpus().length || 1)

/**
 * This process: "MainProcess", or the name its parent gave it.
 *
 * @since 0.1.0
 * @category getters
 */
export const currentProcess: Effect.Effect<CurrentProcess> = Effect.sync(() => {
  const { daemon, identity, name } = currentIdentity()
  return { name, pid: process.pid, daemon, authkey: familyAuthkey(), identity }
})

/**
 * The parent of this process, or null in the main process.
 *
 * @since 0.1.0
 * @category getters
 */
export const parentProcess: Effect.Effect<ParentProcess | null> = Effect.sync(() => {
  const { parentName, parentPid } = currentIdentity()
  if (parentPid === 0) return null
  return {
    name: parentName,
    pid: parentPid,
    // A parent that died leaves us to init (or a subreaper): our ppid changes.
    // A thread's parent is its own process: alive while it runs.
    isAlive: Effect.sync(() => parentPid === process.pid || (process.ppid === parentPid && isAlive(parentPid)))
  }
})

/**
 * The children of this process that are still running.
 *
 * @since 0.1.0
 * @category getters
 */
export const activeChildren: Effect.Effect<ReadonlyArray<Process>> = Effect.sync(() =>
  [...liveChildren()].flatMap((child) => isProcess(child) && child.exitCode === null ? [child] : [])
)

/**
 * The start methods this platform offers: "spawn" and "forkserver" (ready
 * processes); not "fork", since Node cannot fork a running isolate.
 *
 * @since 0.1.0
 * @category start methods
 */
export const getAllStartMethods: Effect.Effect<ReadonlyArray<StartMethod>, never, Multiprocessing> = Effect.map(
  Multiprocessing,
  (mp) => mp.startMethods
)

/**
 * The start method; with `allowNone`, null until `setStartMethod` fixed one (as in Python).
 *
 * @since 0.1.0
 * @category start methods
 */
export const getStartMethod = (
  options?: { readonly allowNone?: boolean }
): Effect.Effect<StartMethod | null, never, Multiprocessing> =>
  Effect.flatMap(Multiprocessing, (mp) =>
    Ref.modify(mp.settings, (settings) =>
      options?.allowNone === true && !settings.startMethodFixed
        ? [null, settings]
        : [settings.startMethod, { ...settings, startMethodFixed: true }])) // asking fixes it, as in Python

const checkStartMethod = (method: string): Effect.Effect<StartMethod, StartMethodError, Multiprocessing> =>
  Effect.flatMap(Multiprocessing, (mp) =>
    mp.startMethods.includes(method as StartMethod)
      ? Effect.succeed(method as StartMethod)
      : Effect.fail(
        new StartMethodError({
          message: `cannot find context for ${JSON.stringify(method)}: the start methods here are ${mp.startMethods.join(", ")}. ` +
            "Node cannot fork a running process, so \"fork\" is not offered; \"forkserver\" keeps processes booted and ready instead."
        })
      ))

/**
 * Fixes the start method; a second call needs `force`, as in Python.
 * `readyProcesses` (for "forkserver") is how many booted processes are kept
 * waiting for starts: 2 unless given; 0 keeps none.
 *
 * @since 0.1.0
 * @category start methods
 */
export const setStartMethod = (
  method: string,
  options?: { readonly force?: boolean; readonly readyProcesses?: number }
): Effect.Effect<void, StartMethodError | ProcessError | ValueError, Multiprocessing> =>
  Effect.gen(function*() {
    const mp = yield* Multiprocessing
    const startMethod = yield* checkStartMethod(method)
    const readyProcesses = options?.readyProcesses
    if (readyProcesses !== undefined && !(Number.isSafeInteger(readyProcesses) && readyProcesses >= 0)) {
      return yield* new ValueError({
        message: `readyProcesses must be a whole number from 0 (got ${String(readyProcesses)}): how many processes "forkserver" keeps booted`
      })
    }
    const settings = yield* Ref.get(mp.settings)
    if (settings.startMethodFixed && options?.force !== true) {
      return yield* new ProcessError({ message: "the start method has already been set; pass { force: true } to change it" })
    }
    const changed: Settings = {
      ...settings,
      startMethod,
      startMethodFixed: true,
      readyProcesses: readyProcesses ?? settings.readyProcesses
    }
    yield* Ref.set(mp.settings, changed)
    // Without the addon, primitives made from now on are made for threads (in their memory).
    setMadeForThreads(startMethod === "thread")
    // "forkserver" boots its ready processes now; any other method ends those booted, not at the next start.
    if (mp.settingsChanged !== undefined) yield* mp.settingsChanged(changed)
  })

/**
 * A start method's context: which method it is. Its processes start with the
 * method `setStartMethod` fixed (the two differ only in how fast a start is).
 *
 * @since 0.1.0
 * @category models
 */
export interface ProcessContext {
  readonly startMethod: StartMethod
}

/**
 * The context of a start method (the current one when omitted).
 *
 * @since 0.1.0
 * @category start methods
 */
export const getContext = (
  method?: string
): Effect.Effect<ProcessContext, StartMethodError, Multiprocessing> =>
  method === undefined
    ? Effect.map(getStartMethod(), (startMethod) => ({ startMethod: startMethod! }))
    : Effect.map(checkStartMethod(method), (startMethod) => ({ startMethod }))

/**
 * The Node binary children run; it must exist and be executable.
 *
 * @since 0.1.0
 * @category settings
 */
export const setExecutable = (executable: string): Effect.Effect<void, ProcessError, Multiprocessing> =>
  Effect.flatMap(Multiprocessing, (mp) =>
    Effect.zipRight(
      mp.checkExecutable(executable),
      Effect.flatMap(
        Ref.updateAndGet(mp.settings, (settings) => ({ ...settings, executable })),
        (changed) => mp.settingsChanged?.(changed) ?? Effect.void
      )
    ))

/**
 * The Node binary children run.
 *
 * @since 0.1.0
 * @category settings
 */
export const getExecutable: Effect.Effect<string, never, Multiprocessing> = Effect.flatMap(
  Multiprocessing,
  (mp) => Effect.map(Ref.get(mp.settings), (settings) => settings.executable)
)

/**
 * The library's logger: `logger.log(level, message)` writes `[LEVEL/ProcessName] message` once enabled.
 *
 * @since 0.1.0
 * @category models
 */
export interface MultiprocessingLogger {
  /** The Effect Logger behind it, Python's format to stderr; `Logger.add` it to format your own lines alike. */
  readonly logger: Logger.Logger<unknown, void>
  readonly log: (level: LogLevel.LogLevel, message: string) => Effect.Effect<void>
  readonly level: Effect.Effect<LogLevel.LogLevel | undefined>
  readonly setLevel: (level: LogLevel.LogLevel | undefined) => Effect.Effect<void>
}

/**
 * The library's logger (Python's `get_logger`). Silent until a level is set.
 *
 * @since 0.1.0
 * @category logging
 */
export const getLogger: Effect.Effect<MultiprocessingLogger, never, Multiprocessing> = Effect.map(
  Multiprocessing,
  (mp) => ({
    logger: stderrLogger,
    log: (level, message) => Effect.provideService(log(level, message), Multiprocessing, mp),
    level: Ref.get(mp.logLevel),
    setLevel: (level) => Ref.set(mp.logLevel, level)
  })
)

/**
 * Sends the library's log lines from `level` (default Warning, Python's effective default) to stderr.
 *
 * @since 0.1.0
 * @category logging
 */
export const logToStderr = (
  level: LogLevel.LogLevel = LogLevel.Warning
): Effect.Effect<MultiprocessingLogger, never, Multiprocessing> =>
  Effect.tap(getLogger, (logger) => logger.setLevel(level))

/**
 * Python needs it in frozen Windows executables; Node never does. A documented no-op.
 *
 * @since 0.1.0
 * @category utils
 */
export const freezeSupport: Effect.Effect<void> = Effect.void
