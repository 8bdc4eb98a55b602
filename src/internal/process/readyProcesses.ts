/**
 * Ready processes: Python's forkserver, the Node way. Node cannot fork a
 * running isolate, but it can start a child before it is needed: a spare runs
 * the bootstrap up to its first read of the control channel, and blocks there
 * (in the kernel, no CPU) until a Start message makes it a Process or a pool
 * worker. Starting one then costs a write instead of booting Node.
 *
 * Spawn semantics stay: a spare is used at most once, so every process begins
 * with fresh module state. A spare is used only when it matches what a fresh
 * spawn would run — the same command line, working directory and environment
 * (a change to `process.env` or the directory after it started retires it) —
 * and never for a start that hands descriptors over (Connection ends travel as
 * stdio at spawn time). Spares hold no reference on the event loop, count
 * among no children, and end with this process: their control channel reaches
 * end of file (and, on Linux, the parent-death signal).
 *
 * Which spare a start gets: the oldest one that has said it is booted (it
 * closes its readiness descriptor, `READY_FD`, right before it waits), else
 * the oldest still booting — never the newest, which is the least likely to be
 * ready. Replacements: a take of a booted spare that leaves others of its
 * kind boots its replacement once the process it took has exited (so that the
 * boot does not share the CPU with that process's start and run, and the
 * spares left cover the next start meanwhile); a take that leaves none, or
 * that had to take one still booting (starts outrun the boots), boots at once.
 */
import { type ChildProcess, spawn } from "node:child_process"
import type { Socket } from "node:net"
import { SPARE_ENV } from "../child/controlMessages.js"

interface Spare {
  readonly child: ChildProcess
  readonly channel: Socket
  readonly command: string
  readonly env: string
  readonly cwd: string
  /** It has closed its readiness descriptor: booted, blocked on its first read. */
  ready: boolean
}

const spares: Array<Spare> = []

/** How many times the spares were retired: a replacement decided before the last retirement is not booted. */
let retirements = 0

/** What decides whether a spare can stand in for a fresh spawn, besides the command line. */
const environment = () => ({ env: JSON.stringify(process.env), cwd: process.cwd() })

const commandLine = (command: string, args: ReadonlyArray<string>) => JSON.stringify([command, ...args])

/**
 * Starts a child for `command args` with the control channel on descriptor 3
 * and `sockets` after it; a spare (`spare`) gets its readiness descriptor
 * there instead, and the variable that tells its bootstrap to close it.
 */
export const spawnBootstrap = (
  command: string,
  args: ReadonlyArray<string>,
  sockets: ReadonlyArray<Socket> = [],
  spare = false
): ChildProcess =>
  spare
    ? spawn(command, args, {
      stdio: ["ignore", "inherit", "inherit", "pipe", "pipe"],
      env: { ...process.env, [SPARE_ENV]: "1" }
    })
    : spawn(command, args, { stdio: ["ignore", "inherit", "inherit", "pipe", ...sockets] })

const alive = (spare: Spare) => spare.child.exitCode === null && spare.child.signalCode === null

const startSpare = (command: string, args: ReadonlyArray<string>) => {
  const child = spawnBootstrap(command, args, [], true)
  child.once("error", () => {})
  if (child.pid === undefined) return
  const channel = child.stdio[3] as Socket
  channel.on("error", () => {})
  const spare: Spare = { child, channel, command: commandLine(command, args), ...environment(), ready: false }
  const readiness = child.stdio[4] as Socket
  readiness.on("error", () => {})
  readiness.once("close", () => (spare.ready = true))
  readiness.resume()
  readiness.unref()
  // A spare that dies unused (killed from outside) is forgotten.
  child.once("exit", () => {
    const at = spares.indexOf(spare)
    if (at !== -1) spares.splice(at, 1)
  })
  child.unref()
  channel.unref()
  spares.push(spare)
}

const matching = (wanted: string) => spares.filter((spare) => spare.command === wanted && alive(spare)).length

/** Boots spares for `command args` until `count` of them are there (booted or booting). */
export const keepReady = (command: string, args: ReadonlyArray<string>, count: number): void => {
  const wanted = commandLine(command, args)
  for (let ready = matching(wanted); ready < count; ready++) startSpare(command, args)
}

/**
 * A ready process for `command args`, or undefined when none matches; then
 * (and after a take) `count` are made ready again in the background, so the
 * next start finds one. Retired spares (the environment changed, or `count`
 * is now 0: the start method is "spawn" again) are ended.
 */
export const takeReady = (command: string, args: ReadonlyArray<string>, count: number): ChildProcess | undefined => {
  if (count === 0) {
    retireAll()
    return undefined
  }
  const wanted = commandLine(command, args)
  const { cwd, env } = environment()
  let taken: Spare | undefined
  for (const spare of spares.filter((spare) => spare.command === wanted && alive(spare))) {
    if (spare.env !== env || spare.cwd !== cwd) {
      spares.splice(spares.indexOf(spare), 1)
      spare.child.kill("SIGKILL")
    } else if (taken === undefined || (spare.ready && !taken.ready)) {
      taken = spare
    }
  }
  if (taken !== undefined) spares.splice(spares.indexOf(taken), 1)
  // Not if the spares were retired meanwhile (the start method changed): none is wanted any more.
  const wantedSince = retirements
  const replenish = () => wantedSince === retirements && keepReady(command, args, count)
  // Starts that take spares still booting outrun the replacements: those boot at once, as when none is left.
  if (taken !== undefined && taken.ready && matching(wanted) > 0) taken.child.once("exit", () => setImmediate(replenish))
  else setImmediate(replenish)
  return taken?.child
}

/** No ready processes wanted (any more: the start method changed, or 0 are kept): those left are ended. */
export const retireAll = (): void => {
  retirements++
  for (const spare of spares.splice(0)) spare.child.kill("SIGKILL")
}

/** The pids of the ready processes kept now, booted or booting (for tests and diagnostics). */
export const readyPids = (): ReadonlyArray<{ readonly pid: number; readonly ready: boolean }> =>
  spares.filter(alive).map((spare) => ({ pid: spare.child.pid!, ready: spare.ready }))
