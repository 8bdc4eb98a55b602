/**
 * The entry point of every child process. Kept to plain Node, and to as little
 * of it as a target needs: this is what a process start costs beyond `node`
 * itself (the build bundles it into one CommonJS file for the same reason).
 * Effect is loaded only when a target returns an Effect, tsx only for a
 * TypeScript target module, `node:net` only for a target that does not finish
 * synchronously.
 *
 * Sequence: read the Start message from the control channel (descriptor 3),
 * publish the process identity, load the target, run it, send its outcome,
 * exit with Python's codes (0 on return, 1 on an uncaught failure, whatever the
 * target passes to `process.exit`). While an asynchronous target runs, the
 * channel's end means the parent is gone: the child exits then too.
 */
import type { Socket } from "node:net"
import { encodeLean } from "../codec/codec.js"
import { type EncodedError, encodeError } from "../codec/errors.js"
import { header } from "../wire/framing.js"
import { isNotDataError } from "../codec/notData.js"
import type { OutcomeMessage, StartMessage } from "./controlMessages.js"
import { channelStream, inThread, readStart, receiveHandedDescriptors, writeAll } from "./controlChannel.js"
import {
  CURRENT_PROCESS_KEY,
  liveChildren,
  pendingBeforeExit,
  remoteServers
} from "../thisProcess/processGlobals.js"
import { OPEN_SOCKETS_KEY, type OpenSocket } from "../wire/openSockets.js"
import { servePool } from "./poolWorker.js"
import { importModule } from "./preloaded.js"
import { builtin } from "../builtin.js"
import { isEffect, isThenable, loadInlineTarget, loadModuleTarget, settle, type Target } from "./targets.js"

/**
 * How long a child whose parent is gone has to end after its SIGTERM before it
 * is killed: its handlers may shut down gracefully, but nothing may keep it
 * alive (a handler that ignores the signal, a main thread busy in synchronous
 * code that never runs the handler).
 */
const ORPHAN_GRACE_MS = 2000

/**
 * The parent's end, seen from a worker thread, which runs even while the target
 * keeps the main thread busy: once the parent is gone, SIGTERM (unless the
 * kernel's parent-death signal already sent it), then SIGKILL after the grace.
 * Polling the parent pid costs nothing the target would feel; the thread costs
 * ~10 ms at start, so it starts only where it is needed (see `guardOrphanhood`).
 */
let watchdogStarted = false
const startWatchdog = (parentPid: number, sendTerm: boolean) => {
  if (watchdogStarted) return
  watchdogStarted = true
  const { Worker } = builtin<typeof import("node:worker_threads")>("node:worker_threads")
  const watcher = new Worker(
    `const timer = setInterval(() => {
      if (process.ppid === ${parentPid}) return
      clearInterval(timer)
      ${sendTerm ? `process.kill(process.pid, "SIGTERM")` : ""}
      setTimeout(() => process.kill(process.pid, "SIGKILL"), ${ORPHAN_GRACE_MS})
    }, 250)`,
    { eval: true }
  )
  watcher.unref()
}

/**
 * Makes sure this child does not outlive its parent. With setpriv's
 * parent-death signal, SIGTERM ends a child at once unless the child handles
 * it: the watchdog starts when a SIGTERM listener is first added (the target's
 * code, at any time), and only then. Without it (not Linux, or util-linux
 * missing), the watchdog starts now and sends the SIGTERM itself.
 */
const guardOrphanhood = (start: StartMessage) => {
  const parentPid = start.process.parentPid
  if (start.watchParent === true) return startWatchdog(parentPid, true)
  const onNewListener = (event: string | symbol) => {
    if (event !== "SIGTERM") return
    process.off("newListener", onNewListener)
    startWatchdog(parentPid, false)
  }
  process.on("newListener", onNewListener)
}

/** The channel as a socket, opened only when the target goes asynchronous, to hear the parent go. */
let channel: Socket | undefined

const watchParent = () => {
  if (channel !== undefined) return
  // Referenced on purpose: a target awaiting a promise that nothing else keeps pending
  // runs until it settles or the parent goes, as in Python.
  channel = channelStream()
  channel.on("end", parentGone)
  channel.on("error", parentGone)
  channel.resume()
}
const parentGone = () => process.exit(1)

/** Non-daemon children the target started and left running; Python's child joins them before it exits. */
const runningChildren = () => [...liveChildren()].filter((child) => !child.daemon && child.exitCode === null)

/** Connections holding frames not yet written out (a send returns before the write completes). */
const unflushedSockets = (): Array<Socket> => {
  const open = (globalThis as Record<symbol, Set<OpenSocket> | undefined>)[OPEN_SOCKETS_KEY]
  if (open === undefined) return []
  for (const connection of open) connection.flush()
  return [...open].map(({ socket }) => socket).filter((socket) => !socket.destroyed && socket.writableLength > 0)
}

const exit = (code: number) => {
  const pending = [...pendingBeforeExit()]
  if (pending.length > 0) return void Promise.allSettled(pending).then(() => exit(code))
  const children = runningChildren()
  const sockets = unflushedSockets()
  if (children.length === 0 && sockets.length === 0) process.exit(code)
  void Promise.all([
    ...children.map((child) => child.awaitExit()),
    ...sockets.map((socket) => new Promise((resolve) => socket.write(Buffer.alloc(0), resolve)))
  ]).then(() => process.exit(code))
}

/** Sends an encoded outcome, then exits with `code`. */
const send = (outcome: Uint8Array, code: number) => {
  if (channel === undefined) {
    writeAll(header(outcome.byteLength))
    writeAll(outcome)
    return exit(code)
  }
  channel.off("end", parentGone)
  channel.write(header(outcome.byteLength))
  channel.write(outcome, () => exit(code))
}

type Failure = Exclude<OutcomeMessage["_tag"], "Returned">

const fail = (start: StartMessage, error: EncodedError, _tag: Failure = "Raised") => {
  process.stderr.write(`Process ${start.process.name}:\n${error.stack ?? `${error.type}: ${error.message}`}\n`)
  let outcome: Uint8Array
  try {
    outcome = encodeLean({ _tag, error } satisfies OutcomeMessage)
  } catch {
    outcome = encodeLean({ _tag, error: { ...error, fields: {} } } satisfies OutcomeMessage) // a field the codec cannot carry
  }
  send(outcome, 1)
}

const succeed = (start: StartMessage, value: unknown) => {
  let outcome: Uint8Array
  try {
    // No key for undefined: keeps the message on the codec's JSON path.
    outcome = encodeLean((value === undefined ? { _tag: "Returned" } : { _tag: "Returned", value }) satisfies OutcomeMessage)
  } catch (error) {
    // The outcome's envelope is not the user's: name the place from the returned value.
    if (isNotDataError(error)) error.reword("result", 1)
    return fail(start, {
      ...encodeError(error),
      message: `the value returned by ${start.target.name} cannot be sent to the parent: ${(error as Error).message}`
    }, "Unsendable")
  }
  send(outcome, 0)
}

/** A target ready to call, with its arguments (Connection ends among them revived). */
interface Prepared {
  readonly target: Target
  readonly args: ReadonlyArray<unknown>
}

/** The slow way in: a module to import, or handed-over descriptors to revive (which loads the library). */
const prepare = async (start: StartMessage): Promise<Prepared> => {
  let args = start.args
  if (start.handles !== undefined) {
    const { reviveHandles } = (await importModule(new URL("../kinds.js", import.meta.url).href)) as
      typeof import("../kinds.js")
    args = await reviveHandles(args)
  }
  const target = start.target._tag === "Module"
    ? await loadModuleTarget(start.target, start.typescriptLoader)
    : loadInlineTarget(start.target)
  return { target, args }
}

const runAsync = async (start: StartMessage, pending: Promise<Prepared> | undefined, result?: unknown) => {
  watchParent()
  if (pending !== undefined) {
    let prepared: Prepared
    try {
      prepared = await pending
    } catch (error) {
      return fail(start, encodeError(error), "LoadFailed")
    }
    try {
      result = prepared.target(...prepared.args)
    } catch (error) {
      return fail(start, encodeError(error))
    }
  }
  let value: unknown
  try {
    value = await settle(result, undefined, start.parentSpan)
  } catch (error) {
    return fail(start, encodeError(error))
  }
  succeed(start, value)
}

/** Runs this child: at once when started as `node bootstrap.cjs`, after deserialization when started from the start-up snapshot. */
export const main = () => {
  const start = readStart()
  receiveHandedDescriptors(start)
  ;(globalThis as Record<symbol, unknown>)[CURRENT_PROCESS_KEY] = start.process
  for (const [named, server] of start.remoteServers ?? []) remoteServers().set(named, server)
  // A thread ends with its process, and its process's title is not its own.
  if (!inThread()) {
    guardOrphanhood(start)
    process.title = start.process.name
  }
  if (start.pool !== undefined) {
    // The worker loop holds the control channel: it also hears the parent go.
    return servePool(start, () => prepare(start).then(({ args, target }) => settle(target(...args), undefined, start.parentSpan)), exit)
  }
  if (start.target._tag === "Module" || start.handles !== undefined) return void runAsync(start, prepare(start))
  let result: unknown
  try {
    result = loadInlineTarget(start.target)(...start.args)
  } catch (error) {
    return fail(start, encodeError(error))
  }
  if (isThenable(result) || isEffect(result)) return void runAsync(start, undefined, result)
  succeed(start, result)
}

/** Set while the start-up snapshot is built (scripts/build-snapshot.mjs): its entry runs `main` in each process started from it. */
const BuildingSnapshotKey = Symbol.for("effect-multiprocessing/BuildingSnapshot")
if ((globalThis as Record<symbol, unknown>)[BuildingSnapshotKey] !== true) main()
