/**
 * A pool's workers from spawn to exit, in the parent: each a child process
 * with its own channel, started with the pool's initializer, replaced when it
 * goes while the pool serves, retired after `maxtasksperchild` tasks (or by
 * `shrink`), killed for a task (`kill`).
 *
 * - A worker is gone once it has exited and its channel is read to the end
 *   (results it sent before dying still count).
 * - It runs its tasks in order, so the oldest unanswered one is the one it is
 *   running. When it dies, that task fails (`WorkerLostError` with the exit
 *   code and signal, or the error it was killed for, e.g. `TimeLimitExceeded`),
 *   the others go back to the front of the scheduler's queue, and a new worker
 *   takes its place.
 * - Workers that die before they are ready, `MAX_STARTUP_FAILURES` times in a
 *   row, break the pool: every task fails with `WorkerStartupError`.
 */
import { constants as osConstants } from "node:os"
import { Effect, Ref } from "effect"
import {
  type InvalidTargetError,
  type ProcessError,
  type SerializationError,
  type UnportableFunctionError,
  WorkerLostError,
  WorkerStartupError
} from "../../Errors.js"
import type { MultiprocessingService, WorkerHandle } from "../../Multiprocessing.js"
import type { TaskError } from "../../ProcessPool.js"
import type { EncodedError } from "../codec/errors.js"
import { CONTROL_FD, type TargetSpec } from "../child/controlMessages.js"
import { childIdentity, nextChildIdentity } from "../thisProcess/currentProcess.js"
import { prepareTarget, targetSpec } from "../process/targetSpec.js"
import { FrameDecoder } from "../wire/framing.js"
import { spanContextOf, withSpan } from "../spans.js"
import type { PoolSettings, Scheduler, Task } from "./scheduler.js"
import * as P from "../child/workerChannel.js"

const MAX_STARTUP_FAILURES = 3
/** A worker that could not be spawned is tried again after this long. */
const SPAWN_RETRY_MS = 100
/** Terminated workers still alive after this long are killed. */
const TERMINATE_GRACE_MS = 1000

/** Signal names by number; the first name of a number wins (SIGABRT, not its alias SIGIOT). */
const signalNames: Record<number, string> = {}
for (const [name, number] of Object.entries(osConstants.signals)) signalNames[number] ??= name

const NOOP_INITIALIZER: TargetSpec = { _tag: "Inline", name: "initializer", expression: "() => {}" }

export class WorkerRecord {
  readonly inflight = new Map<number, Task>()
  readonly defined = new Set<number>()
  readonly out = new P.ItemFrameWriter(P.TASKS, P.TASK_HEADER)
  readonly frames = new FrameDecoder(undefined, P.workerFrameHead((id) => this.inflight.has(id)))
  /** Something other than its loop wrote to its channel: it is being killed, and nothing more it sends is read. */
  corrupt = false
  assigned = 0
  ready = false
  /** Takes no more tasks: retiring (max tasks, memory, shrink) or being killed. */
  closing = false
  exitCode: number | null = null
  channelClosed = false
  /** It said it is retiring: it runs nothing more, so none of its unanswered tasks started. */
  retired = false
  /** Why the pool killed it, for the task it was running. */
  killedFor: { readonly task: Task; readonly error: TaskError | undefined } | undefined
  initError: EncodedError | undefined
  /** It has answered a task: it started well, whatever happens to it later. */
  answered = false
  busySince = 0
  /** The summed cost of its unanswered tasks. */
  backlogMs = 0
  hardTimer: ReturnType<typeof setTimeout> | undefined
  timedTask: Task | undefined

  constructor(readonly handle: WorkerHandle, readonly name: string) {}

  get pid() {
    return this.handle.pid
  }

  /** The task it runs now: its oldest unanswered. */
  get running(): Task | undefined {
    return this.inflight.values().next().value
  }

  /**
   * Kills it for the task it runs: that task then fails with `error` (none:
   * it was withdrawn). Should it have moved on before the signal lands, the
   * task it moved on to is lost like any other.
   */
  kill(task: Task | undefined, error: TaskError | undefined) {
    if (this.killedFor === undefined && task !== undefined) this.killedFor = { task, error }
    this.closing = true
    this.handle.signal("SIGKILL")
  }

  /**
   * Its channel carries what its loop never writes (a task wrote to the
   * descriptor): it cannot be understood any more, so it is killed, and the
   * task it runs fails with `WorkerLostError`, as if it had died. Without this
   * the pool would wait for good for the rest of a frame that never comes.
   */
  corrupted(what: string) {
    this.corrupt = true
    const running = this.running
    this.kill(
      running,
      new WorkerLostError({
        message: `worker ${this.name} (pid ${this.pid}) was killed and replaced: its control channel carried ${what}, ` +
          `not the pool's protocol${running === undefined ? "" : ` (while running task ${running.fn.name})`}; ` +
          "a task must not write to the worker's descriptor " + CONTROL_FD,
        pid: this.pid,
        exitCode: null,
        signal: "SIGKILL"
      })
    )
  }
}

export class Workers {
  readonly all = new Set<WorkerRecord>()
  size: number
  private startupFailures = 0
  private readonly goneWaiters: Array<() => void> = []
  private initializer: { target: TargetSpec; args: ReadonlyArray<unknown>; typescriptLoader?: string } | undefined

  constructor(private readonly mp: MultiprocessingService, private readonly settings: PoolSettings, private readonly host: Scheduler) {
    this.size = settings.processes
  }

  /** Starts the workers; fails when the initializer cannot be carried or a worker cannot be spawned. */
  start(): Effect.Effect<void, UnportableFunctionError | InvalidTargetError | SerializationError | ProcessError> {
    return Effect.gen(this, function*() {
      const { initializer } = this.settings
      if (initializer !== undefined) {
        const spec = yield* targetSpec(initializer, "initializer")
        const prepared = yield* prepareTarget(spec)
        this.initializer = { target: prepared.target, args: this.settings.initargs ?? [], ...(prepared.typescriptLoader === undefined ? {} : { typescriptLoader: prepared.typescriptLoader }) }
      }
      for (let i = 0; i < this.size; i++) yield* this.spawn()
    })
  }

  get pids(): ReadonlyArray<number> {
    return [...this.all].filter((worker) => !worker.closing).map((worker) => worker.pid)
  }

  /** `worker` answered tasks: it started well. */
  answered(worker: WorkerRecord) {
    if (worker.answered) return
    worker.answered = true
    this.startupFailures = 0
  }

  /** One more worker failed at start-up; the pool breaks with `error` at the last allowed. Whether it did. */
  private failedAtStartup(error: (failures: number) => WorkerStartupError): boolean {
    if (++this.startupFailures < MAX_STARTUP_FAILURES) return false
    this.host.break(error(this.startupFailures))
    return true
  }

  /** While tasks are outstanding the workers keep this process alive; idle ones do not. */
  keepAlive(keep: boolean) {
    for (const worker of this.all) worker.handle.setKeepsParentAlive(keep)
  }

  /** Lets a worker finish what it has, then end: no more tasks, and its channel closes once it has answered all. */
  retire(worker: WorkerRecord) {
    const wasServing = !worker.closing
    worker.closing = true
    if (worker.inflight.size === 0 && !worker.channelClosed) worker.handle.channel.end()
    // Its successor starts now, not once it has gone (recycling, not a shrink: `size` says which).
    if (wasServing && this.host.state === "running") this.replenish()
  }

  /** Starts workers until `size` are serving, while the pool runs or has tasks left. */
  private replenish() {
    if (this.host.broken !== undefined || this.host.state === "terminated") return
    if (this.host.state === "closed" && this.host.outstanding === 0) return
    let serving = 0
    for (const worker of this.all) if (!worker.closing) serving++
    for (; serving < this.size; serving++) {
      const started = Effect.runSyncExit(this.spawn())
      if (started._tag === "Failure") {
        const broke = this.failedAtStartup((failures) =>
          new WorkerStartupError({ message: `pool workers cannot be started: ${String(started.cause)}`, failures })
        )
        if (!broke) {
          // The system refused a process for now (EAGAIN …): try again shortly; queued tasks wait for it.
          const retry = setTimeout(() => this.replenish(), SPAWN_RETRY_MS)
          if (this.host.outstanding === 0) retry.unref() // tasks waiting for it keep the process alive
        }
        return
      }
    }
  }

  /** Stops every worker now: SIGTERM, then SIGKILL for those still there after a grace period. */
  terminate() {
    for (const worker of this.all) {
      worker.closing = true
      worker.handle.signal("SIGTERM")
    }
    if (this.all.size > 0) {
      setTimeout(() => {
        for (const worker of this.all) worker.handle.signal("SIGKILL")
      }, TERMINATE_GRACE_MS).unref()
    }
  }

  /** Calls `onGone` once every worker has exited (after `close` or `terminate`). */
  whenGone(onGone: () => void): void {
    if (this.all.size === 0) return onGone()
    this.goneWaiters.push(onGone)
  }

  /** Adds `n` workers. */
  grow(n: number): Effect.Effect<void, InvalidTargetError | SerializationError | ProcessError> {
    return Effect.suspend(() => {
      this.size += n
      return Effect.forEach(Array.from({ length: n }), () => this.spawn(), { discard: true })
    })
  }

  /** Retires `n` workers, idle ones first; they finish what they were sent. */
  shrink(n: number): void {
    this.size -= n
    const serving = [...this.all].filter((worker) => !worker.closing)
    serving.sort((a, b) => a.inflight.size - b.inflight.size)
    for (const worker of serving.slice(0, n)) this.retire(worker)
  }

  private spawn(): Effect.Effect<void, InvalidTargetError | SerializationError | ProcessError> {
    return Effect.suspend(() => {
      const identity = nextChildIdentity()
      const name = `SpawnPoolWorker-${identity.identity.join(":")}`
      const init = this.initializer
      let record: WorkerRecord | undefined
      const settings = Effect.runSync(Ref.get(this.mp.settings))
      return withSpan("ProcessPool.startWorker", { "process.name": name }, (span) => this.mp.spawnWorker({
        target: init?.target ?? NOOP_INITIALIZER,
        args: init?.args ?? [],
        pool: this.settings.maxMemoryPerChild === undefined ? {} : { maxMemory: this.settings.maxMemoryPerChild },
        ...(this.settings.execArgv === undefined ? {} : { execArgv: this.settings.execArgv }),
        ...(this.settings.startMethod === undefined ? {} : { startMethod: this.settings.startMethod }),
        identity: childIdentity({ name, daemon: true, identity: identity.identity, executable: settings.executable }),
        onExit: (code) => {
          if (record === undefined) return
          record.exitCode = code
          this.maybeGone(record)
        },
        // The worker's initializer runs under this start's span.
        ...(span === undefined ? {} : { parentSpan: spanContextOf(span) })
      }).pipe(
        Effect.map((handle) => {
          span?.attribute("process.pid", handle.pid)
          record = new WorkerRecord(handle, name)
          this.watch(record)
        })
      ))
    })
  }

  private watch(worker: WorkerRecord) {
    this.all.add(worker)
    worker.handle.setKeepsParentAlive(this.host.keepingAlive)
    const channel = worker.handle.channel
    channel.on("data", (chunk: Buffer) => this.host.received(worker, chunk))
    channel.on("close", () => {
      worker.channelClosed = true
      this.maybeGone(worker)
    })
    channel.resume()
  }

  /** A worker is gone once it has exited and everything it wrote has been read. */
  private maybeGone(worker: WorkerRecord) {
    if (worker.exitCode === null || !worker.channelClosed || !this.all.delete(worker)) return
    if (worker.hardTimer !== undefined) clearTimeout(worker.hardTimer)
    const code = worker.exitCode
    const signal = code < 0 ? signalNames[-code] ?? `signal ${-code}` : null
    const unanswered = [...worker.inflight.values()]
    worker.inflight.clear()
    // Dying before it is ready, or once ready but before it answered anything with nothing in hand (an
    // initializer's asynchronous leftovers), is failing at start-up; dying with a task in hand is that task's.
    if (!worker.ready || (!worker.answered && unanswered.length === 0 && !worker.closing)) {
      if (!worker.closing && this.host.state !== "terminated") {
        const why = worker.initError !== undefined
          ? `its initializer raised ${worker.initError.type}: ${worker.initError.message}`
          : `it exited with ${signal ?? `code ${code}`} ${worker.ready ? "before its first task" : "before it was ready"}`
        this.failedAtStartup((failures) =>
          new WorkerStartupError({
            message: `pool workers keep failing at start-up (${failures} in a row; the last: ${why}); ` +
              "fix the initializer or the worker's environment and make a new pool",
            failures
          })
        )
      }
    } else if (unanswered.length > 0 && !worker.retired) {
      const running = unanswered.shift()!
      const killedFor = worker.killedFor?.task === running ? worker.killedFor : undefined
      const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`
      this.host.finish(running, {
        ok: false,
        error: killedFor?.error ??
          new WorkerLostError({
            message: `worker ${worker.name} (pid ${worker.pid}) ${how} while running task ${running.fn.name}; it was replaced`,
            pid: worker.pid,
            exitCode: code < 0 ? null : code,
            signal
          })
      })
    }
    // What it had not started goes to the others; a new worker takes its place.
    this.host.requeue(unanswered)
    this.replenish()
    this.host.dispatch()
    if (this.all.size === 0) for (const waiter of this.goneWaiters.splice(0)) waiter()
  }
}
