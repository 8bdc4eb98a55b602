/**
 * How the Node backend starts a child: `node <bootstrap>` with the control
 * channel on descriptor 3, the Start message written to it, and the outcome
 * and exit collected from it.
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import type { Socket } from "node:net"
import { fileURLToPath } from "node:url"
import { Deferred, Effect, Option, Schema } from "effect"
import { type InvalidTargetError, ProcessError, SerializationError } from "../../Errors.js"
import type {
  ChildHandle,
  ChildOutcome,
  SpawnRequest,
  WorkerHandle,
  WorkerSpawnRequest
} from "../../Multiprocessing.js"
import * as codec from "../codec/codec.js"
import { isNotDataError, WHAT_CROSSES } from "../codec/notData.js"
import { extractHandles } from "../served/placeholders.js"
import { FrameDecoder, frame } from "../wire/framing.js"
import type { StartMessage } from "../child/controlMessages.js"
import { currentIdentity } from "../thisProcess/currentProcess.js"
import * as PrivateDirectory from "../thisProcess/privateDirectory.js"
import { loadingTarget, remoteServers } from "../thisProcess/processGlobals.js"
import { keepReady, retireAll, spawnBootstrap, takeReady } from "./readyProcesses.js"
import { native } from "../native/native.js"
import { descriptorOf } from "../wire/synchronousRead.js"
import { snapshotBlob, targetNeedsLibrary } from "./startupSnapshot.js"
import { prepareTarget, tsxExport } from "./targetSpec.js"
import { EncodedErrorSchema } from "../codec/decodeError.js"

/**
 * The child's entry point, beside this module: the bootstrap bundled into one
 * CommonJS file by the build (scripts/bundle-bootstrap.mjs) when the library runs
 * as JavaScript, as published; its TypeScript source, loaded through tsx, when
 * the library itself runs from source under a TS loader.
 */
export const runningFromSource = import.meta.url.endsWith(".ts")
export const bootstrapPath = fileURLToPath(new URL(`../child/bootstrap.${runningFromSource ? "ts" : "cjs"}`, import.meta.url))

/**
 * On Linux, children are started through util-linux's `setpriv --pdeathsig`,
 * so the kernel sends them SIGTERM when this process dies — even by SIGKILL,
 * and even while the child's event loop is blocked. Where it is missing (or too
 * old to know the option; checked once by running it), the child watches its
 * parent itself (see the bootstrap). Either way a child whose target is
 * asynchronous also exits when its control channel reaches end of file.
 * EFFECT_MULTIPROCESSING_NO_PDEATHSIG=1 forces the fallback (for its tests).
 * Looked up at the first start, not at load (the start-up snapshot would
 * freeze the environment it was built in).
 */
let pdeathsig: { readonly wrapper: string | undefined } | undefined
const pdeathsigWrapper = (): string | undefined => (pdeathsig ??= { wrapper: findPdeathsigWrapper() }).wrapper
const findPdeathsigWrapper = (): string | undefined => {
  if (process.platform !== "linux" || process.env.EFFECT_MULTIPROCESSING_NO_PDEATHSIG === "1") return undefined
  for (const dir of ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]) {
    const candidate = path.join(dir, "setpriv")
    try {
      execFileSync(candidate, ["--pdeathsig", "SIGTERM", "true"], { stdio: "ignore", timeout: 5000 })
      return candidate
    } catch {
      // not here, or it does not know --pdeathsig
    }
  }
  return undefined
}

const signalNumber = (signal: NodeJS.Signals): number => os.constants.signals[signal] ?? 0

export const checkExecutable = (file: string): Effect.Effect<void, ProcessError> =>
  Effect.try({
    try: () => fs.accessSync(file, fs.constants.X_OK),
    catch: () => new ProcessError({ message: `executable not found or not executable: ${file}` })
  })

/**
 * Starts one child and returns its handle once the OS has given it a pid; its
 * outcome is the first frame it sends back. With `ready` above 0, the child is
 * a ready process when one matches, and `ready` are kept (readyProcesses.ts).
 */
export const spawnChild = (
  request: SpawnRequest,
  ready = 0
): Effect.Effect<ChildHandle, ProcessError | InvalidTargetError | SerializationError> =>
  Effect.map(launch(request, ready), ({ channel, exitCode, pid, setKeepsParentAlive, signal }) => ({
    pid,
    exitCode,
    outcome: readOutcome(channel),
    signal,
    setKeepsParentAlive
  }))

/** Starts a pool worker: a child whose control channel carries tasks and results after the Start message. */
export const spawnWorker = (
  request: WorkerSpawnRequest,
  ready = 0
): Effect.Effect<WorkerHandle, ProcessError | InvalidTargetError | SerializationError> =>
  Effect.map(launch(request, ready), ({ channel, pid, setKeepsParentAlive, signal }) => ({ pid, channel, signal, setKeepsParentAlive }))

/** Python's "bootstrapping phase" error, with the fixes for a module that is both entry script and target. */
const selfStartingModule = (url: string) =>
  `an attempt was made to start a new process before this process (${currentIdentity().name}) has finished loading ` +
  `its target module ${url}. That module starts processes at its top level, and every child that imports it would ` +
  `start another, without end. If it is your entry script, run that code only in the main process: ` +
  `if (import.meta.url === pathToFileURL(process.argv[1]).href) { … } (Python's if __name__ == "__main__"), ` +
  `or move the target into a module of its own`

/**
 * What a backend needs to start a child: its encoded Start message, the
 * Connection ends to hand over, and whether the child could start from the
 * start-up snapshot (it revives shared objects, or its target loads Effect or the library).
 */
export interface PreparedStart {
  readonly payload: Uint8Array
  readonly sockets: ReadonlyArray<Socket>
  readonly snapshotCandidate: boolean
}

/**
 * Checks the target and encodes the Start message for `request`; `watchParent`
 * when the child must watch for its parent's death itself.
 */
export const prepareStart = (
  request: SpawnRequest & Partial<Pick<WorkerSpawnRequest, "pool">>,
  watchParent: boolean,
  descriptorFor?: (socket: Socket, index: number) => number
): Effect.Effect<PreparedStart, ProcessError | InvalidTargetError | SerializationError> =>
  Effect.gen(function*() {
    const loading = loadingTarget()
    if (loading !== undefined) return yield* new ProcessError({ message: selfStartingModule(loading) })
    const { target, typescriptLoader } = yield* prepareTarget(request.target)
    const { args: argsWithPlaceholders, placeholders, sockets } = yield* Effect.try({
      try: () => extractHandles(request.args, descriptorFor),
      catch: (error) => error instanceof ProcessError ? error : new ProcessError({ message: String(error) })
    })
    // Only defined keys: a message of plain data then takes the codec's JSON path, and the child never loads node:v8.
    const start: StartMessage = {
      _tag: "Start",
      target,
      args: argsWithPlaceholders,
      process: request.identity,
      ...(typescriptLoader === undefined ? {} : { typescriptLoader }),
      ...(placeholders ? { handles: sockets.length } : {}),
      ...(remoteServers().size > 0 ? { remoteServers: [...remoteServers()] } : {}),
      ...(watchParent ? { watchParent: true } : {}),
      ...(request.pool === undefined ? {} : { pool: request.pool }),
      ...(request.parentSpan === undefined ? {} : { parentSpan: request.parentSpan })
    }
    const payload = yield* Effect.try({
      try: () => codec.encodeLean(start),
      catch: (error) =>
        new SerializationError({
          message: `the arguments of ${target.name} cannot be sent to a child process: ` + (isNotDataError(error)
            ? error.path[0] === "args" ? error.describe("args", 1) : error.message
            : `${(error as Error).message.replace(/\.+$/, "")}. ${WHAT_CROSSES}`)
        })
    })
    return { payload, sockets, snapshotCandidate: placeholders || targetNeedsLibrary(target) }
  })

/**
 * Copies of the descriptors under `sockets`, to send to a ready process once
 * its Start message is written (the caller may close its ends as soon as
 * `start` returns); undefined when they cannot be sent so (no addon, not a
 * Unix socket, too many): the start then spawns a child with them as stdio.
 */
const copiesToHandOver = (sockets: ReadonlyArray<Socket>): Array<number> | undefined => {
  if (native === undefined || sockets.length > 64) return undefined
  const copies: Array<number> = []
  for (const socket of sockets) {
    const fd = descriptorOf(socket)
    const copy = fd === undefined ? -1 : native.dup(fd)
    if (copy < 0) {
      closeAll(copies)
      return undefined
    }
    copies.push(copy)
  }
  return copies
}

const closeAll = (fds: ReadonlyArray<number> | undefined) => {
  for (const fd of fds ?? []) {
    try {
      fs.closeSync(fd)
    } catch {
      // closed already
    }
  }
}

/** The command line of a child: `node [execArgv] <bootstrap>` or `node --snapshot-blob <blob>`, through setpriv where it is used. */
const commandFor = (executable: string, execArgv: ReadonlyArray<string>, blob: string | undefined) =>
  Effect.gen(function*() {
    const node = [
      executable,
      ...execArgv,
      ...(runningFromSource ? ["--import", yield* tsxExport(".", bootstrapPath)] : []),
      ...(blob === undefined ? [bootstrapPath] : ["--snapshot-blob", blob])
    ]
    const wrapper = pdeathsigWrapper()
    return wrapper === undefined ? node : [wrapper, "--pdeathsig", "SIGTERM", ...node]
  })

/**
 * Boots `count` ready processes of the plain bootstrap for `executable` ahead
 * of the first start ("forkserver" chosen): that start then finds one booted.
 * Spares from the start-up snapshot boot at the first start that wants one.
 */
export const warmReady = (executable: string, count: number): Effect.Effect<void> =>
  Effect.gen(function*() {
    if (count === 0) return retireAll()
    const [command, ...args] = yield* commandFor(executable, [], undefined)
    keepReady(command, args, count)
  }).pipe(Effect.catchAll(() => Effect.void)) // no tsx to run from source: the first start says so

/**
 * Spawns `node <bootstrap>`, writes the Start message to its control channel
 * (descriptor 3) and reports its exit to `request.onExit`.
 */
const launch = (
  request: SpawnRequest & Partial<Pick<WorkerSpawnRequest, "pool" | "execArgv">>,
  ready: number
): Effect.Effect<Omit<ChildHandle, "outcome"> & { readonly channel: Socket }, ProcessError | InvalidTargetError | SerializationError> =>
  Effect.gen(function*() {
    const { payload, snapshotCandidate, sockets } = yield* prepareStart(request, pdeathsigWrapper() === undefined)
    const executable = request.identity.executable
    // Shared objects to revive, and targets that import Effect or the library, load what the start-up snapshot holds already.
    const blob = snapshotCandidate && !runningFromSource && (request.execArgv ?? []).length === 0
      ? snapshotBlob(executable)
      : undefined
    const [command, ...args] = yield* commandFor(executable, request.execArgv ?? [], blob)
    // Connection ends among the arguments go as descriptors 4, 5 …: the child reads and writes them directly.
    // A ready process was spawned before them: they follow its Start message (SCM_RIGHTS), where the addon is built.
    const handOver = sockets.length === 0 ? [] : ready > 0 ? copiesToHandOver(sockets) : undefined
    const spare = handOver === undefined ? undefined : takeReady(command, args, ready)
    const child = spare ?? spawnBootstrap(command, args, sockets)
    if (spare === undefined) closeAll(handOver)
    // spawn() reports a failure to start asynchronously but leaves pid unset at once: answering now keeps `start` synchronous.
    child.once("error", () => {})
    // Killed by a signal, it could not remove its socket directories: its parent does.
    child.once("exit", (_code, signal) => signal !== null && PrivateDirectory.removeLeftoversOf(child.pid!))
    if (child.pid === undefined) {
      return yield* new ProcessError({ message: `cannot start ${executable}: the operating system refused to spawn it` })
    }
    const channel = child.stdio[3] as Socket
    channel.on("error", () => {}) // EPIPE when the child is already gone: its exit tells the story
    if (spare !== undefined && handOver !== undefined && handOver.length > 0) {
      // Sent once the Start message is in the kernel: the child reads it, then receives these.
      channel.write(frame(payload), () => {
        const socket = descriptorOf(channel)
        const sent = socket === undefined ? -1 : native!.sendDescriptors(socket, handOver)
        closeAll(handOver)
        // A child that cannot get its descriptors would wait for them until its parent's end.
        if (sent < 0 && child.exitCode === null) child.kill("SIGKILL")
      })
    } else {
      channel.write(frame(payload))
    }
    let exitCode: number | null = null
    child.on("exit", (code, signal) => {
      exitCode = code ?? -signalNumber(signal!)
      request.onExit(exitCode)
    })
    return {
      pid: child.pid,
      channel,
      exitCode: () => exitCode,
      signal: (signal: "SIGTERM" | "SIGKILL") => {
        if (exitCode === null) child.kill(signal)
      },
      setKeepsParentAlive: (keep: boolean) => {
        // Whether the child and its channel hold this process's event loop.
        if (keep) {
          child.ref()
          channel.ref()
        } else {
          child.unref()
          channel.unref()
        }
      }
    }
  })

/** The outcome message as the parent accepts it: a child's bytes are checked, never trusted. */
const Outcome: Schema.Schema<ChildOutcome> = Schema.Union(
  Schema.Struct({ _tag: Schema.Literal("Returned"), value: Schema.optional(Schema.Unknown) }),
  Schema.Struct({ _tag: Schema.Literal("Raised", "LoadFailed", "Unsendable"), error: EncodedErrorSchema })
)
const decodeOutcome = Schema.decodeUnknownOption(Outcome)

/**
 * The outcome: the first frame on the control channel, or undefined when it
 * closes without one. Anything malformed counts as no outcome: the exit code
 * then tells what happened.
 */
export const readOutcome = (channel: {
  on(event: "data", listener: (chunk: Buffer) => void): unknown
  on(event: "close", listener: () => void): unknown
  destroy(): unknown
}): Effect.Effect<ChildOutcome | undefined> => {
  const outcome = Deferred.unsafeMake<ChildOutcome | undefined>(undefined as never)
  const frames = new FrameDecoder()
  const settle = (message: ChildOutcome | undefined) => Deferred.unsafeDone(outcome, Effect.succeed(message))
  channel.on("data", (chunk: Buffer) => {
    try {
      for (const payload of frames.push(chunk)) settle(Option.getOrUndefined(decodeOutcome(codec.decode(payload))))
    } catch {
      settle(undefined)
      channel.destroy()
    }
  })
  channel.on("close", () => settle(undefined))
  return Deferred.await(outcome)
}
