/**
 * The Node backend of `Multiprocessing`: every Process is an OS child process
 * running Node, started with spawn semantics — booted for the start ("spawn"),
 * or taken from the ready processes kept booted ("forkserver") — or, with the
 * "thread" start method, a worker thread of this process running the same
 * child program.
 *
 * @since 0.1.0
 */
import { Effect, Layer, type LogLevel, Ref } from "effect"
import { Multiprocessing, type MultiprocessingService, type Settings, type SpawnRequest } from "./Multiprocessing.js"
import { checkExecutable, spawnChild, spawnWorker, warmReady } from "./internal/process/nodeChild.js"
import { spawnThread, spawnThreadWorker } from "./internal/process/threadChild.js"
import { currentIdentity } from "./internal/thisProcess/currentProcess.js"
import { native } from "./internal/native/native.js"

const settings = Ref.unsafeMake<Settings>({
  startMethod: "spawn",
  startMethodFixed: false,
  executable: currentIdentity().executable,
  readyProcesses: 2
})

/**
 * How a request starts (its own start method, else the settings'), and for
 * processes how many ready processes a start keeps: none under "spawn".
 */
const startOf = (request: SpawnRequest) =>
  Effect.map(Ref.get(settings), (current) => {
    const method = request.startMethod ?? current.startMethod
    return { thread: method === "thread", ready: method === "forkserver" ? current.readyProcesses : 0 }
  })

let service: MultiprocessingService | undefined

/**
 * The service, one per OS process: the compat face's runtime and every
 * `Effect.provide(layer)` see the same settings (`setExecutable`,
 * `setStartMethod`, `logToStderr`). Children run the same Node binary as this
 * process unless `setExecutable` says otherwise.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<MultiprocessingService> = Effect.sync(() =>
  service ??= {
    startMethods: ["spawn", "forkserver", "thread"],
    settings,
    primitives: native === undefined ? "served" : "shared-memory",
    logLevel: Ref.unsafeMake<LogLevel.LogLevel | undefined>(undefined),
    spawn: (request) =>
      Effect.flatMap(startOf(request), ({ ready, thread }) => thread ? spawnThread(request) : spawnChild(request, ready)),
    spawnWorker: (request) =>
      Effect.flatMap(startOf(request), ({ ready, thread }) =>
        thread ? spawnThreadWorker(request) : spawnWorker(request, ready)),
    checkExecutable,
    // "forkserver" boots its ready processes now, so that the first start finds one; any other method ends them.
    settingsChanged: (current) => warmReady(current.executable, current.startMethod === "forkserver" ? current.readyProcesses : 0)
  }
)

/**
 * Provides `Multiprocessing` with Node child processes.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Multiprocessing> = Layer.effect(Multiprocessing, make)
