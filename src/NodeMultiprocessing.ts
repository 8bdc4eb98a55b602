/**
 * The Node backend of `Multiprocessing`: every Process is an OS child process
 * running Node, started with spawn semantics.
 *
 * @since 0.1.0
 */
import { Effect, Layer, Ref } from "effect"
import { Multiprocessing, type MultiprocessingService, type Settings } from "./Multiprocessing.js"
import { checkExecutable, spawnChild } from "./internal/nodeChild.js"
import { currentIdentity } from "./internal/currentProcess.js"

/** Builds the service. Children run the same Node binary as this process unless `setExecutable` says otherwise. */
export const make: Effect.Effect<MultiprocessingService> = Effect.gen(function*() {
  const settings = yield* Ref.make<Settings>({ startMethod: "spawn", startMethodFixed: false, executable: currentIdentity().executable })
  const logLevel = yield* Ref.make<MultiprocessingService["logLevel"] extends Ref.Ref<infer A> ? A : never>(undefined)
  return {
    startMethods: ["spawn"],
    settings,
    children: new Set(),
    logLevel,
    spawn: spawnChild,
    checkExecutable
  }
})

/** @since 0.1.0 */
export const layer: Layer.Layer<Multiprocessing> = Layer.effect(Multiprocessing, make)
