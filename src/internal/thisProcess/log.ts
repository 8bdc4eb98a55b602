/**
 * The library's own log lines, through Effect's logging: each line is logged
 * with `Effect.logWithLevel` to the library's logger alone, which writes
 * Python's format (`[INFO/Process-1] message`) to stderr from the level
 * `logToStderr` set — silent until then, as in Python.
 */
import { Effect, FiberRef, HashSet, Logger, type LogLevel, Ref } from "effect"
import { Multiprocessing } from "../../Multiprocessing.js"
import { currentIdentity } from "./currentProcess.js"

/** Python's names for Effect's levels where they differ. */
const pythonLevelNames: Record<string, string> = { WARN: "WARNING", FATAL: "CRITICAL" }

const render = (message: unknown): string =>
  Array.isArray(message) ? message.map(render).join(" ") : typeof message === "string" ? message : String(message)

/** Writes `[LEVEL/ProcessName] message` lines to stderr. */
export const stderrLogger: Logger.Logger<unknown, void> = Logger.make(({ logLevel, message }) => {
  process.stderr.write(`[${pythonLevelNames[logLevel.label] ?? logLevel.label}/${currentIdentity().name}] ${render(message)}\n`)
})

export const log = (level: LogLevel.LogLevel, message: string): Effect.Effect<void, never, Multiprocessing> =>
  Effect.flatMap(Multiprocessing, (mp) =>
    Effect.flatMap(Ref.get(mp.logLevel), (threshold) =>
      threshold === undefined
        ? Effect.void
        : Effect.logWithLevel(level, message).pipe(
          Effect.locally(FiberRef.currentLoggers, HashSet.make(stderrLogger)),
          Effect.locally(FiberRef.currentMinimumLogLevel, threshold)
        )))
