/**
 * How the Node backend starts a child: `node <bootstrap>` with the control
 * channel on descriptor 3, the Start message written to it, and the outcome
 * and exit collected from it.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { createRequire } from "node:module"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import type { Socket } from "node:net"
import { fileURLToPath, pathToFileURL } from "node:url"
import { Deferred, Effect, Option, Schema } from "effect"
import { InvalidTargetError, ProcessError, SerializationError } from "../../Errors.js"
import type { ChildHandle, SpawnRequest, WorkerHandle, WorkerSpawnRequest } from "../../Multiprocessing.js"
import * as codec from "../codec/codec.js"
import { isNotDataError, WHAT_CROSSES } from "../codec/notData.js"
import { FrameDecoder, frame } from "../wire/framing.js"
import type { PoolWorkerSettings } from "../pool/workerChannel.js"
import * as PrivateDirectory from "./privateDirectory.js"
import { currentIdentity } from "./currentProcess.js"
import { loadingTarget, type OutcomeMessage, remoteServers, type StartMessage, type TargetSpec } from "./controlMessages.js"
import type { ErrorData } from "../codec/codec.js"

/**
 * The child's entry point, beside this module: the bootstrap bundled into one
 * CommonJS file by the build (scripts/bundle-bootstrap.mjs) when the library runs
 * as JavaScript, as published; its TypeScript source, loaded through tsx, when
 * the library itself runs from source under a TS loader.
 */
const runningFromSource = import.meta.url.endsWith(".ts")
const bootstrapPath = fileURLToPath(new URL(`../child/bootstrap.${runningFromSource ? "ts" : "cjs"}`, import.meta.url))

/**
 * On Linux, children are started through util-linux's `setpriv --pdeathsig`,
 * so the kernel sends them SIGTERM when this process dies — even by SIGKILL,
 * and even while the child's event loop is blocked. Where it is missing (or too
 * old to know the option; checked once by running it), the child watches its
 * parent itself (see the bootstrap). Either way a child whose target is
 * asynchronous also exits when its control channel reaches end of file.
 * EFFECT_MULTIPROCESSING_NO_PDEATHSIG=1 forces the fallback (for its tests).
 */
const pdeathsigWrapper: string | undefined = (() => {
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
})()

const TYPESCRIPT = /\.(?:ts|mts|cts|tsx)$/
const JAVASCRIPT = /\.(?:js|mjs|cjs|jsx)$/

/** A module target's file, checked to exist; `.js` names resolve to their TypeScript source as tsx does. */
export const resolveModule = (
  specifier: string
): Effect.Effect<{ file: string; url: string; typescript: boolean }, InvalidTargetError> =>
  Effect.suspend(() => {
    const file = specifier.startsWith("file:") ? fileURLToPath(specifier) : path.resolve(specifier)
    const candidates = [file]
    if (JAVASCRIPT.test(file)) candidates.push(file.replace(/\.([mc]?)jsx?$/, ".$1ts"))
    for (const candidate of candidates) {
      if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) {
        return Effect.succeed({ file: candidate, url: pathToFileURL(candidate).href, typescript: TYPESCRIPT.test(candidate) })
      }
    }
    return Effect.fail(
      new InvalidTargetError({
        message: `module target not found: ${file}` +
          (candidates.length > 1 ? ` (nor ${candidates[1]})` : "") +
          ". Pass a file URL or path, e.g. new URL(\"./tasks.js\", import.meta.url)."
      })
    )
  })

/**
 * The file URL of one of tsx's exports ("./esm/api" to register it from the
 * bootstrap, "." for `--import`), looked up from `base` (the target module: the
 * user's project) first, then from this package. Read from tsx's package.json
 * rather than `import.meta.resolve`, which some module runners (vitest) lack.
 */
const tsxExport = (subpath: "." | "./esm/api", base: string): Effect.Effect<string, InvalidTargetError> =>
  Effect.suspend(() => {
    for (const from of [base, fileURLToPath(import.meta.url)]) {
      try {
        const manifest = createRequire(from).resolve("tsx/package.json")
        const entry = JSON.parse(fs.readFileSync(manifest, "utf8")).exports[subpath]
        const file = typeof entry === "string" ? entry : entry.import.default
        return Effect.succeed(pathToFileURL(path.join(path.dirname(manifest), file)).href)
      } catch {
        // not installed there
      }
    }
    return Effect.fail(
      new InvalidTargetError({
        message: "a TypeScript module target needs tsx to load it in the child: install it (npm install --save-dev tsx), " +
          "or point the target at the compiled JavaScript"
      })
    )
  })

const signalNumber = (signal: NodeJS.Signals): number => os.constants.signals[signal] ?? 0

export const checkExecutable = (file: string): Effect.Effect<void, ProcessError> =>
  Effect.try({
    try: () => fs.accessSync(file, fs.constants.X_OK),
    catch: () => new ProcessError({ message: `executable not found or not executable: ${file}` })
  })

export const prepareTarget = (target: TargetSpec): Effect.Effect<{ target: TargetSpec; typescriptLoader: string | undefined }, InvalidTargetError> =>
  target._tag === "Inline"
    ? Effect.succeed({ target, typescriptLoader: undefined })
    : Effect.gen(function*() {
      const module = yield* resolveModule(target.url)
      return {
        target: { ...target, url: module.url },
        typescriptLoader: module.typescript ? yield* tsxExport("./esm/api", module.file) : undefined
      }
    })

/** Starts one child and returns its handle once the OS has given it a pid. */
export const spawnChild = (
  request: SpawnRequest
): Effect.Effect<ChildHandle, ProcessError | InvalidTargetError | SerializationError> =>
  Effect.map(launch(request), ({ child, start }) => makeHandle(child, start, request.onExit))

/** Starts a pool worker: a child whose control channel carries tasks and results after the Start message. */
export const spawnWorker = (
  request: WorkerSpawnRequest
): Effect.Effect<WorkerHandle, ProcessError | InvalidTargetError | SerializationError> =>
  Effect.map(launch(request), ({ child, start }) => {
    const channel = child.stdio[3] as Socket
    channel.on("error", () => {}) // EPIPE when the worker is already gone: its exit tells the story
    channel.write(frame(start))
    child.on("exit", (code, signal) => request.onExit(code ?? -signalNumber(signal!)))
    return {
      pid: child.pid!,
      channel,
      signal: (signal) => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      },
      setKeepsParentAlive: keepsParentAlive(child, channel)
    }
  })

/** Whether a child and its channel hold this process's event loop. */
const keepsParentAlive = (child: ChildProcess, channel: Socket) => (keep: boolean): void => {
  if (keep) {
    child.ref()
    channel.ref()
  } else {
    child.unref()
    channel.unref()
  }
}

/** Python's "bootstrapping phase" error, with the fixes for a module that is both entry script and target. */
const selfStartingModule = (url: string) =>
  `an attempt was made to start a new process before this process (${currentIdentity().name}) has finished loading ` +
  `its target module ${url}. That module starts processes at its top level, and every child that imports it would ` +
  `start another, without end. If it is your entry script, run that code only in the main process: ` +
  `if (import.meta.url === pathToFileURL(process.argv[1]).href) { … } (Python's if __name__ == "__main__"), ` +
  `or move the target into a module of its own`

/** Spawns `node <bootstrap>` with the Start message encoded for it. */
const launch = (
  request: SpawnRequest & { readonly pool?: PoolWorkerSettings; readonly execArgv?: ReadonlyArray<string> }
): Effect.Effect<{ child: ChildProcess; start: Uint8Array }, ProcessError | InvalidTargetError | SerializationError> =>
  Effect.gen(function*() {
    const loading = loadingTarget()
    if (loading !== undefined) return yield* new ProcessError({ message: selfStartingModule(loading) })
    const { target, typescriptLoader } = yield* prepareTarget(request.target)
    // Only defined keys: a message of plain data then takes the codec's JSON path, and the child never loads node:v8.
    const start: StartMessage = {
      _tag: "Start",
      target,
      args: request.args,
      process: request.identity,
      ...(typescriptLoader === undefined ? {} : { typescriptLoader }),
      ...(request.placeholders ? { handles: request.sockets.length } : {}),
      ...(remoteServers().size > 0 ? { remoteServers: [...remoteServers()] } : {}),
      ...(pdeathsigWrapper === undefined ? { watchParent: true } : {}),
      ...(request.pool === undefined ? {} : { pool: request.pool })
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
    const executable = request.identity.executable
    const node = [
      executable,
      ...(request.execArgv ?? []),
      ...(runningFromSource ? ["--import", yield* tsxExport(".", bootstrapPath)] : []),
      bootstrapPath
    ]
    const [command, ...args] = pdeathsigWrapper === undefined ? node : [pdeathsigWrapper, "--pdeathsig", "SIGTERM", ...node]
    // Connection ends among the arguments go as descriptors 4, 5 …: the child reads and writes them directly.
    const child = spawn(command, args, { stdio: ["ignore", "inherit", "inherit", "pipe", ...request.sockets] })
    // spawn() reports a failure to start asynchronously but leaves pid unset at once: answering now keeps `start` synchronous.
    child.once("error", () => {})
    // Killed by a signal, it could not remove its socket directories: its parent does.
    child.once("exit", (_code, signal) => signal !== null && PrivateDirectory.removeLeftoversOf(child.pid!))
    if (child.pid === undefined) {
      return yield* new ProcessError({ message: `cannot start ${executable}: the operating system refused to spawn it` })
    }
    return { child, start: payload }
  })

/** The outcome message as the parent accepts it: a child's bytes are checked, never trusted. */
const ErrorDataSchema: Schema.Schema<ErrorData> = Schema.Struct({
  name: Schema.String,
  message: Schema.String,
  stack: Schema.UndefinedOr(Schema.String),
  tag: Schema.UndefinedOr(Schema.String),
  fields: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  cause: Schema.UndefinedOr(Schema.suspend(() => ErrorDataSchema))
})
const Outcome: Schema.Schema<OutcomeMessage> = Schema.Union(
  Schema.Struct({ _tag: Schema.Literal("Returned"), value: Schema.optional(Schema.Unknown) }),
  Schema.Struct({ _tag: Schema.Literal("Raised", "LoadFailed", "Unsendable"), error: ErrorDataSchema })
)
const decodeOutcome = Schema.decodeUnknownOption(Outcome)

const makeHandle = (child: ChildProcess, startPayload: Uint8Array, onExit: (code: number) => void): ChildHandle => {
  const control = child.stdio[3] as Socket
  const outcome = Deferred.unsafeMake<OutcomeMessage | undefined>(undefined as never)
  let exitCode: number | null = null
  const frames = new FrameDecoder()

  // The first frame is the outcome; the channel's close without one means there is none.
  // Anything malformed counts as no outcome: the exit code then tells what happened.
  const settle = (message: OutcomeMessage | undefined) => Deferred.unsafeDone(outcome, Effect.succeed(message))
  control.on("data", (chunk: Buffer) => {
    try {
      for (const payload of frames.push(chunk)) settle(Option.getOrUndefined(decodeOutcome(codec.decode(payload))))
    } catch {
      settle(undefined)
      control.destroy()
    }
  })
  control.on("error", () => {}) // EPIPE when the child is already gone: the exit tells the story
  control.on("close", () => settle(undefined))
  control.write(frame(startPayload))

  child.on("exit", (code, signal) => {
    exitCode = code ?? -signalNumber(signal!)
    onExit(exitCode)
  })

  return {
    pid: child.pid!,
    exitCode: () => exitCode,
    outcome: Deferred.await(outcome),
    signal: (signal) => {
      if (exitCode === null) child.kill(signal)
    },
    setKeepsParentAlive: keepsParentAlive(child, control)
  }
}
