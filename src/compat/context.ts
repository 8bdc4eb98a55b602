/**
 * The module-level functions of Python's multiprocessing, for plain TypeScript.
 */
import { LogLevel } from "effect"
import * as ProcessContext from "../ProcessContext.js"
import type { StartMethod } from "../Multiprocessing.js"
import type * as Target from "../Target.js"
import { fromEffect, Process, type ProcessOptions } from "./Process.js"
import { fromCaller, runSync } from "./runtime.js"

export const cpuCount = (): number => runSync(ProcessContext.cpuCount)
export const currentProcess = (): ProcessContext.CurrentProcess => runSync(ProcessContext.currentProcess)

export interface ParentProcess {
  readonly name: string
  readonly pid: number
  isAlive(): boolean
}

export const parentProcess = (): ParentProcess | null => {
  const parent = runSync(ProcessContext.parentProcess)
  return parent === null ? null : { name: parent.name, pid: parent.pid, isAlive: () => runSync(parent.isAlive) }
}

export const activeChildren = (): Array<Process> => runSync(ProcessContext.activeChildren).map(fromEffect)
export const getAllStartMethods = (): Array<StartMethod> => [...runSync(ProcessContext.getAllStartMethods)]
export const getStartMethod = (options?: { readonly allowNone?: boolean }): StartMethod | null =>
  runSync(ProcessContext.getStartMethod(options))
export const setStartMethod = (method: string, options?: { readonly force?: boolean; readonly readyProcesses?: number }): void =>
  runSync(ProcessContext.setStartMethod(method, options))
export const setExecutable = (executable: string): void => runSync(ProcessContext.setExecutable(executable))
export const freezeSupport = (): void => runSync(ProcessContext.freezeSupport)

/** A start method's context: the same functions and classes, bound to that method. */
export interface MultiprocessingContext {
  readonly Process: typeof Process
  readonly cpuCount: typeof cpuCount
  readonly currentProcess: typeof currentProcess
  readonly parentProcess: typeof parentProcess
  readonly activeChildren: typeof activeChildren
  getStartMethod(): StartMethod
}

/** Python's `get_context(method)`: its Process starts with `method` unless given its own `startMethod`. */
export const getContext = (method?: string): MultiprocessingContext => {
  const { startMethod } = runSync(ProcessContext.getContext(method))
  const ContextProcess = method === undefined ? Process : bindStartMethod(startMethod)
  return { Process: ContextProcess, cpuCount, currentProcess, parentProcess, activeChildren, getStartMethod: () => startMethod }
}

const bindStartMethod = (startMethod: StartMethod): typeof Process =>
  class extends (Process as new(options: ProcessOptions<Target.AnyFunction>) => Process) {
    constructor(options: ProcessOptions<Target.AnyFunction>) {
      super({ startMethod, ...options })
    }
  } as unknown as typeof Process

/** Python's level names and numbers, as `logging` has them. */
const levels: Record<string, LogLevel.LogLevel> = {
  DEBUG: LogLevel.Debug,
  INFO: LogLevel.Info,
  WARNING: LogLevel.Warning,
  ERROR: LogLevel.Error,
  CRITICAL: LogLevel.Fatal
}
const byNumber: Record<number, string> = { 10: "DEBUG", 20: "INFO", 30: "WARNING", 40: "ERROR", 50: "CRITICAL" }

const toLevel = (level: string | number): LogLevel.LogLevel => {
  const name = typeof level === "number" ? byNumber[level] : level.toUpperCase()
  const found = name === undefined ? undefined : levels[name]
  if (found === undefined) {
    throw fromCaller(new TypeError(`unknown log level ${JSON.stringify(level)}: use DEBUG, INFO, WARNING, ERROR or CRITICAL (or 10–50)`))
  }
  return found
}

/** The library's logger, with Python's method names. */
export interface Logger {
  debug(message: string): void
  info(message: string): void
  warning(message: string): void
  error(message: string): void
  setLevel(level: string | number): void
}

const wrapLogger = (logger: ProcessContext.MultiprocessingLogger): Logger => ({
  debug: (message) => runSync(logger.log(LogLevel.Debug, message)),
  info: (message) => runSync(logger.log(LogLevel.Info, message)),
  warning: (message) => runSync(logger.log(LogLevel.Warning, message)),
  error: (message) => runSync(logger.log(LogLevel.Error, message)),
  setLevel: (level) => runSync(logger.setLevel(toLevel(level)))
})

export const getLogger = (): Logger => wrapLogger(runSync(ProcessContext.getLogger))
export const logToStderr = (level?: string | number): Logger =>
  wrapLogger(runSync(ProcessContext.logToStderr(level === undefined ? undefined : toLevel(level))))
