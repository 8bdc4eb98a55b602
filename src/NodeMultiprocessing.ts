/**
 * The Node backend of `Multiprocessing`: every Process is an OS child process
 * running Node, started with spawn semantics.
 *
 * @since 0.1.0
 */
import { Effect, Layer, type LogLevel, Ref } from "effect"
import { Multiprocessing, type MultiprocessingService, type Settings } from "./Multiprocessing.js"
import { checkExecutable, spawnChild, spawnWorker } from "./internal/process/nodeChild.js"
import { currentIdentity } from "./internal/process/currentProcess.js"
import { native } from "./internal/shm/native.js"

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
    startMethods: ["spawn"],
    primitives: native === undefined ? "served" : "shared-memory",
    settings: Ref.unsafeMake<Settings>({ startMethod: "spawn", startMethodFixed: false, executable: currentIdentity().executable }),
    logLevel: Ref.unsafeMake<LogLevel.LogLevel | undefined>(undefined),
    spawn: spawnChild,
    spawnWorker,
    checkExecutable
  }
)

/**
 * Provides `Multiprocessing` with Node child processes.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Multiprocessing> = Layer.effect(Multiprocessing, make)
