/**
 * The "thread" start method: a child that is a worker thread of this process
 * running the same bootstrap as a child process. Its control channel is the
 * thread's message port (`wire/portStream.ts`): the Start message goes in its
 * workerData, frames come back as messages, in the same protocol. What the
 * thread shares with this process and a child process would not — the pid,
 * the descriptors, the memory, a native crash — is in docs/threads.md.
 */
import * as fs from "node:fs"
import { createRequire } from "node:module"
import type { Socket } from "node:net"
import type { ResourceLimits } from "node:worker_threads"
import { Effect } from "effect"
import { type InvalidTargetError, ProcessError, type SerializationError } from "../../Errors.js"
import type { ChildHandle, SpawnRequest, WorkerHandle, WorkerSpawnRequest } from "../../Multiprocessing.js"
import { THREAD_START_KEY } from "../child/controlMessages.js"
import { native, nativeMissing } from "../native/native.js"
import { arena, THREAD_MEMORY_KEY } from "../native/threadMemory.js"
import { PortStream } from "../wire/portStream.js"
import { RingChannel } from "../wire/ringChannel.js"
import { descriptorOf } from "../wire/synchronousRead.js"
import { bootstrapPath, prepareStart, readOutcome, runningFromSource } from "./nodeChild.js"
import { tsxExport } from "./targetSpec.js"

/**
 * The exit codes a thread reports when ended from outside: a worker ended by
 * `terminate()` exits with 1 in Node, which reads as a failure of its own; a
 * thread reports what a process would (Python's -SIGTERM and -SIGKILL), so a
 * program reads exit codes the same under either start method.
 */
const ENDED_BY = { SIGTERM: -15, SIGKILL: -9 } as const

/**
 * `Worker`, loaded at first use: `node:worker_threads` loaded while the
 * start-up snapshot is built leaves Node's own threads broken in every process
 * started from it (child/controlChannel.ts).
 */
const Worker = (): typeof import("node:worker_threads").Worker =>
  (createRequire(import.meta.url)("node:worker_threads") as typeof import("node:worker_threads")).Worker

/**
 * The thread's own copy of a Connection end's descriptor: the parent closing
 * its end must not close the thread's (as it cannot a child process's).
 */
const duplicateFor = (duplicates: Array<number>) => (socket: Socket): number => {
  if (native === undefined) {
    throw new ProcessError({
      message: `a Connection end cannot be handed to a thread here: the thread needs its own copy of the descriptor, ` +
        `which takes the native addon (${nativeMissing}); start this child with the "spawn" start method, ` +
        `or pass it a Queue instead of the end`
    })
  }
  const fd = descriptorOf(socket)
  const copy = fd === undefined ? -1 : native.dup(fd)
  if (copy < 0) {
    throw new ProcessError({ message: `cannot hand a Connection end to a thread: its descriptor could not be copied (${fd === undefined ? "it is closed" : `errno ${-copy}`})` })
  }
  duplicates.push(copy)
  return copy
}

/**
 * Node refuses V8's flags in a worker's execArgv; the memory limits among
 * them become the thread's resource limits instead (the same limit, applied
 * to the thread's own heap). Other flags go to the worker as they are.
 */
const threadOptions = (flags: ReadonlyArray<string>): { execArgv: Array<string>; resourceLimits: ResourceLimits } => {
  const execArgv: Array<string> = []
  const resourceLimits: { -readonly [K in keyof ResourceLimits]: ResourceLimits[K] } = {}
  for (const flag of flags) {
    const [, name, value] = /^--([a-z-]+)=(\d+)$/.exec(flag) ?? []
    if (name === "max-old-space-size") resourceLimits.maxOldGenerationSizeMb = Number(value)
    else if (name === "max-semi-space-size") resourceLimits.maxYoungGenerationSizeMb = 3 * Number(value)
    else if (name === "stack-size") resourceLimits.stackSizeMb = Number(value) / 1024
    else execArgv.push(flag)
  }
  return { execArgv, resourceLimits }
}

/** Where the addon is absent, the process's thread memory (native/threadMemory.ts): every thread holds it from its start. */
const threadMemory = (): Record<string, unknown> => native === undefined ? { [THREAD_MEMORY_KEY]: arena() } : {}

interface LaunchedThread {
  readonly pid: number
  readonly threadId: number
  readonly channel: PortStream
  readonly exitCode: () => number | null
  readonly signal: (signal: "SIGTERM" | "SIGKILL") => void
  readonly setKeepsParentAlive: (keep: boolean) => void
}

/** Starts the bootstrap in a worker thread with the Start message for `request`; reports its exit to `request.onExit`. */
const launch = (
  request: SpawnRequest & Partial<Pick<WorkerSpawnRequest, "pool" | "execArgv">>
): Effect.Effect<LaunchedThread, ProcessError | InvalidTargetError | SerializationError> =>
  Effect.gen(function*() {
    const duplicates: Array<number> = []
    const closeDuplicates = Effect.sync(() => duplicates.forEach((fd) => fs.close(fd, () => {})))
    const { payload } = yield* Effect.tapError(prepareStart(request, false, duplicateFor(duplicates)), () => closeDuplicates)
    const { execArgv, resourceLimits } = threadOptions([
      ...(request.execArgv ?? []),
      ...(runningFromSource ? ["--import", yield* tsxExport(".", bootstrapPath)] : [])
    ])
    const worker = yield* Effect.try({
      try: () => new (Worker())(bootstrapPath, { workerData: { [THREAD_START_KEY]: payload, ...threadMemory() }, execArgv, resourceLimits }),
      catch: (error) => new ProcessError({ message: `cannot start a thread: ${(error as Error).message}` })
    }).pipe(Effect.tapError(() => closeDuplicates))
    const channel = new PortStream(worker)
    let exitCode: number | null = null
    let endedBy: number | undefined
    // An error the target left uncaught (a throw in a timer's callback): a process prints it and exits with 1; so does a thread.
    worker.on("error", (error) => {
      process.stderr.write(`Exception in thread ${request.identity.name}:\n${(error as Error)?.stack ?? String(error)}\n`)
    })
    worker.on("exit", (code) => {
      exitCode = endedBy ?? code
      channel.closed()
      request.onExit(exitCode)
    })
    return {
      pid: process.pid,
      threadId: worker.threadId,
      channel,
      exitCode: () => exitCode,
      signal: (signal) => {
        if (exitCode !== null || endedBy !== undefined) return
        endedBy = ENDED_BY[signal]
        void worker.terminate()
      },
      setKeepsParentAlive: (keep) => (keep ? worker.ref() : worker.unref())
    }
  })

/** Starts a child in a thread; its outcome is the first frame it posts. */
export const spawnThread = (
  request: SpawnRequest
): Effect.Effect<ChildHandle, ProcessError | InvalidTargetError | SerializationError> =>
  Effect.map(launch(request), ({ channel, ...thread }) => ({ ...thread, outcome: readOutcome(channel) }))

/**
 * Starts a pool worker in a thread: tasks and results cross in rings of
 * shared memory (`wire/ringChannel.ts`), handed to it as the first message on
 * its port; the port's close (the thread's exit) closes them.
 */
export const spawnThreadWorker = (
  request: WorkerSpawnRequest
): Effect.Effect<WorkerHandle, ProcessError | InvalidTargetError | SerializationError> =>
  Effect.map(launch(request), ({ channel: port, pid, setKeepsParentAlive, signal, threadId }) => {
    const { channel, setup } = RingChannel.open()
    port.post(setup)
    port.on("close", () => channel.closed())
    return { pid, threadId, channel, signal, setKeepsParentAlive }
  })
