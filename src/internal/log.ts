/**
 * The library's own log lines, in Python's format (`[INFO/Process-1] message`),
 * to stderr from the level `logToStderr` set; silent until then, as in Python.
 */
import { Effect, LogLevel, Ref } from "effect"
import { Multiprocessing } from "../Multiprocessing.js"
import { currentIdentity } from "./currentProcess.js"

export const log = (level: LogLevel.LogLevel, message: string): Effect.Effect<void, never, Multiprocessing> =>
  Effect.flatMap(Multiprocessing, (mp) =>
    Effect.flatMap(Ref.get(mp.logLevel), (threshold) =>
      threshold !== undefined && LogLevel.greaterThanEqual(level, threshold)
        ? Effect.sync(() => process.stderr.write(`[${level.label}/${currentIdentity().name}] ${message}\n`))
        : Effect.void))
