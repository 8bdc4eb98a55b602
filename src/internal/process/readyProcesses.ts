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
 */
import { type ChildProcess, spawn } from "node:child_process"
import type { Socket } from "node:net"

interface Spare {
  readonly child: ChildProcess
  readonly channel: Socket
  readonly command: string
  readonly env: string
  readonly cwd: string
}

const spares: Array<Spare> = []

/** What decides whether a spare can stand in for a fresh spawn, besides the command line. */
const environment = () => ({ env: JSON.stringify(process.env), cwd: process.cwd() })

const commandLine = (command: string, args: ReadonlyArray<string>) => JSON.stringify([command, ...args])

/** Starts a child for `command args` with the control channel on descriptor 3 and `sockets` after it. */
export const spawnBootstrap = (
  command: string,
  args: ReadonlyArray<string>,
  sockets: ReadonlyArray<Socket> = []
): ChildProcess => spawn(command, args, { stdio: ["ignore", "inherit", "inherit", "pipe", ...sockets] })

const startSpare = (command: string, args: ReadonlyArray<string>) => {
  const child = spawnBootstrap(command, args)
  child.once("error", () => {})
  if (child.pid === undefined) return
  const channel = child.stdio[3] as Socket
  channel.on("error", () => {})
  const spare: Spare = { child, channel, command: commandLine(command, args), ...environment() }
  // A spare that dies unused (killed from outside) is forgotten.
  child.once("exit", () => {
    const at = spares.indexOf(spare)
    if (at !== -1) spares.splice(at, 1)
  })
  child.unref()
  channel.unref()
  spares.push(spare)
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
  for (let at = spares.length - 1; at >= 0; at--) {
    const spare = spares[at]
    if (spare.child.exitCode !== null || spare.child.signalCode !== null) continue
    if (spare.command !== wanted) continue
    spares.splice(at, 1)
    if (spare.env !== env || spare.cwd !== cwd) {
      spare.child.kill("SIGKILL")
      continue
    }
    taken = spare
    break
  }
  setImmediate(() => {
    let ready = spares.filter((spare) => spare.command === wanted).length
    while (ready++ < count) startSpare(command, args)
  })
  return taken?.child
}

/** No ready processes wanted (any more: the start method changed, or 0 are kept): those left are ended. */
export const retireAll = (): void => {
  for (const spare of spares.splice(0)) spare.child.kill("SIGKILL")
}
