/**
 * The pool's scheduler, in the parent: worker processes with a direct channel
 * each, a queue of tasks not yet sent, and per worker the tasks sent and not
 * yet answered, in the order the worker runs them.
 *
 * - Tasks are pipelined: each worker is sent enough to stay busy for about
 *   `BUSY_AHEAD_MS` by its recent pace (at least two, so it never waits for
 *   the next one), gathered per tick into one frame.
 * - A worker runs its tasks in order, so the oldest unanswered one is the one
 *   it is running. When a worker dies, that task fails (`WorkerLostError` with
 *   the exit code and signal, or `TimeLimitExceeded` when the pool killed it
 *   for its hard limit), the others go back to the front of the queue, and a
 *   new worker takes its place.
 * - A worker is gone once it has exited and its channel is read to the end
 *   (results it sent before dying still count).
 * - Workers that die before they are ready, `MAX_STARTUP_FAILURES` times in a
 *   row, break the pool: every task fails with `WorkerStartupError`.
 *
 * Callbacks, not Effects: this is the per-task path, and both faces wrap it.
 */
import { constants as osConstants } from "node:os"
import { Effect, Ref } from "effect"
import {
  InvalidTargetError,
  type MultiprocessingError,
  type ProcessError,
  type RemoteError,
  SerializationError,
  SoftTimeLimitExceeded,
  Terminated,
  TimeLimitExceeded,
  UnportableFunctionError,
  ValueError,
  WorkerLostError,
  WorkerStartupError
} from "../../Errors.js"
import type { MultiprocessingService, WorkerHandle } from "../../Multiprocessing.js"
import * as Target from "../../Target.js"
import { decode, encodeLean } from "../codec/codec.js"
import { decodeError } from "../codec/decodeError.js"
import type { EncodedError } from "../codec/errors.js"
import { Spinner } from "../wire/synchronousRead.js"
import { childIdentity, nextChildIdentity } from "../process/currentProcess.js"
import { FrameDecoder } from "../wire/framing.js"
import * as P from "./poolProtocol.js"
import { prepareTarget, targetSpec } from "../process/targetSpec.js"
import { CONTROL_FD, type TargetSpec } from "../process/controlMessages.js"

/** A task's failure, as its caller sees it (what it raised: a library error as itself, anything else a `RemoteError`). */
export type TaskError =
  | RemoteError
  | MultiprocessingError
  | WorkerLostError
  | TimeLimitExceeded
  | SoftTimeLimitExceeded
  | WorkerStartupError
  | Terminated
  | SerializationError
  | InvalidTargetError
  | ValueError

export type TaskOutcome = { readonly ok: true; readonly value: Buffer } | { readonly ok: false; readonly error: TaskError }

export interface PoolSettings {
  readonly processes: number
  readonly initializer?: Target.Target
  readonly initargs?: ReadonlyArray<unknown>
  readonly maxtasksperchild?: number
  /** Bytes of resident memory after which a worker is replaced, checked after each task. */
  readonly maxMemoryPerChild?: number
  /** Node flags for the workers (`--max-old-space-size=…`). */
  readonly execArgv?: ReadonlyArray<string>
  /** Default hard and soft limits of every task, in milliseconds. */
  readonly timeoutMs?: number
  readonly softTimeoutMs?: number
}

export interface TaskLimits {
  readonly timeoutMs?: number | undefined
  readonly softTimeoutMs?: number | undefined
}

/** A function the workers call, defined to each worker before its first task that calls it. */
export interface PoolFunction {
  readonly id: number
  readonly name: string
  readonly define: Buffer
  /** Its recent time per task, once measured: how far ahead a worker may be sent its tasks. */
  paceMs: number | undefined
}

export interface Task {
  readonly id: number
  readonly fn: PoolFunction
  readonly mode: number
  readonly payload: Uint8Array
  readonly softMs: number
  readonly hardMs: number
  /** Undefined once settled (answered, failed, cancelled). */
  done: ((outcome: TaskOutcome) => void) | undefined
  worker: WorkerRecord | undefined
  /** What it adds to its worker's backlog: its function's pace when it was sent. */
  costMs: number
}

/**
 * Keep each worker this far ahead, in milliseconds of its tasks' recent pace:
 * quick tasks go many at a time, slow ones two (the next one is in hand when
 * the worker finishes), and a task of a function not yet measured only to a
 * worker with nothing in hand. A worker silent past STALLED_MS runs a long
 * task and is sent nothing more, so a short task does not wait behind it.
 */
const BUSY_AHEAD_MS = 2
const MAX_WINDOW = 1024
/** What a task of an unmeasured function is guessed to cost, when workers are compared. */
const UNKNOWN_COST_MS = 10
/** A batch of tasks for one worker is written once it holds this many bytes. */
const BATCH_BYTES = 16 * 1024 * 1024
/** Distinct inline functions remembered by their source (a fresh closure per call has the same source). */
const MAX_INLINE_SOURCES = 1024
/** A worker that has not answered for this long while it has tasks is running a long one. */
const STALLED_MS = 5
const MAX_STARTUP_FAILURES = 3
/** A cancelled task still running after this long is stopped with its worker. */
const CANCEL_GRACE_MS = 200
/** A worker that could not be spawned is tried again after this long. */
const SPAWN_RETRY_MS = 100
/** Terminated workers still alive after this long are killed. */
const TERMINATE_GRACE_MS = 1000

/** Signal names by number; the first name of a number wins (SIGABRT, not its alias SIGIOT). */
const signalNames: Record<number, string> = {}
for (const [name, number] of Object.entries(osConstants.signals)) signalNames[number] ??= name

const NOOP_INITIALIZER: TargetSpec = { _tag: "Inline", name: "initializer", expression: "() => {}" }

class WorkerRecord {
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
}

export class PoolCore {
  private readonly workers = new Set<WorkerRecord>()
  private readonly spinner = new Spinner()
  private pending: Array<Task | undefined> = []
  private pendingHead = 0
  private nextTaskId = 1
  private nextFunctionId = 1
  private readonly inlineFunctions = new WeakMap<Function, PoolFunction>()
  private readonly inlineSources = new Map<string, PoolFunction>()
  private readonly moduleFunctions = new Map<string, PoolFunction>()
  private outstanding = 0
  private dispatchScheduled = false
  private startupFailures = 0
  private broken: WorkerStartupError | undefined
  private readonly goneWaiters: Array<() => void> = []
  private initializer: { target: TargetSpec; args: ReadonlyArray<unknown>; typescriptLoader?: string } | undefined
  state: "running" | "closed" | "terminated" = "running"
  size: number

  constructor(private readonly mp: MultiprocessingService, private readonly settings: PoolSettings) {
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
    return [...this.workers].filter((worker) => !worker.closing).map((worker) => worker.pid)
  }

  /** The function `target` names, if it was registered already (an inline one by identity: the cheap check). */
  knownFunction(target: Target.Target): PoolFunction | undefined {
    return Target.isModuleTarget(target)
      ? this.moduleFunctions.get(moduleKey(target))
      : typeof target === "function"
      ? this.inlineFunctions.get(target)
      : undefined
  }

  /** The function `target` names, checked and registered once: a module export by URL, an inline function by its source. */
  functionFor(target: Target.Target): Effect.Effect<PoolFunction, UnportableFunctionError | InvalidTargetError> {
    return Effect.suspend(() => {
      const known = this.knownFunction(target)
      if (known !== undefined) return Effect.succeed(known)
      const source = typeof target === "function" ? `${target.name}\0${Function.prototype.toString.call(target)}` : undefined
      const same = source === undefined ? undefined : this.inlineSources.get(source)
      if (same !== undefined) {
        this.inlineFunctions.set(target as Function, same)
        return Effect.succeed(same)
      }
      return Effect.gen(this, function*() {
        const spec = yield* targetSpec(target, "task")
        const { target: prepared, typescriptLoader } = yield* prepareTarget(spec)
        const id = this.nextFunctionId++
        const message: P.DefineMessage = { id, target: prepared, ...(typescriptLoader === undefined ? {} : { typescriptLoader }) }
        const fn: PoolFunction = { id, name: prepared.name, define: P.controlFrame(P.DEFINE, encodeLean(message)), paceMs: undefined }
        if (Target.isModuleTarget(target)) {
          this.moduleFunctions.set(moduleKey(target), fn)
        } else {
          this.inlineFunctions.set(target as Function, fn)
          if (this.inlineSources.size >= MAX_INLINE_SOURCES) this.inlineSources.clear()
          this.inlineSources.set(source!, fn)
        }
        return fn
      })
    })
  }

  /** Why a new task cannot be taken, if it cannot. */
  refusal(): ValueError | WorkerStartupError | undefined {
    if (this.broken !== undefined) return this.broken
    if (this.state !== "running") return new ValueError({ message: "Pool not running: it was closed or terminated; make a new pool" })
    return undefined
  }

  /**
   * Queues a task; `done` is called once (never before `submit` returns),
   * unless the task is cancelled first. A pool that takes no more work fails it.
   */
  submit(fn: PoolFunction, mode: number, payload: Uint8Array, limits: TaskLimits, done: (outcome: TaskOutcome) => void): Task {
    const task: Task = {
      id: this.nextTaskId,
      fn,
      mode,
      payload,
      softMs: limits.softTimeoutMs ?? this.settings.softTimeoutMs ?? 0,
      hardMs: limits.timeoutMs ?? this.settings.timeoutMs ?? 0,
      done,
      worker: undefined,
      costMs: 0
    }
    const refusal = this.refusal()
    if (refusal !== undefined) {
      task.done = undefined
      queueMicrotask(() => done({ ok: false, error: refusal }))
      return task
    }
    this.nextTaskId = this.nextTaskId >= 0xffffffff ? 1 : this.nextTaskId + 1
    this.pending.push(task)
    if (this.outstanding++ === 0) this.keepAlive(true)
    // An idle worker gets it now; the rest of this tick's tasks leave together at its end.
    if (!this.anyIdle()) {
      this.scheduleDispatch()
      return task
    }
    this.dispatch()
    // The only task in flight: its result is often back within microseconds, sooner read than waited for.
    const worker = task.worker
    if (this.outstanding === 1 && worker !== undefined && worker.handle.channel.writableLength === 0) {
      // Handled after `submit` returns: a caller's callbacks never run inside its own call.
      this.spinner.read(worker.handle.channel, (chunk) => queueMicrotask(() => this.received(worker, chunk)))
    }
    return task
  }

  /**
   * Withdraws tasks: dropped if not yet sent, skipped by their worker if not
   * started (one message per worker, so that none starts between two). With
   * `stopRunning` (an interruption), a task already running is stopped too:
   * an asynchronous one lets go when told, a synchronous one cannot hear, so
   * its worker is killed after a grace period. Without (a map failed
   * elsewhere), a running task finishes, as in Python, and its result is dropped.
   */
  cancel(tasks: Iterable<Task>, stopRunning = true): void {
    const sent = new Map<WorkerRecord, Array<number>>()
    for (const task of tasks) {
      if (task.done === undefined) continue
      task.done = undefined
      this.settled()
      const worker = task.worker
      if (worker === undefined) continue // still pending: dispatch skips it
      const ids = sent.get(worker)
      if (ids === undefined) sent.set(worker, [task.id])
      else ids.push(task.id)
    }
    for (const [worker, ids] of sent) {
      worker.handle.channel.write(cancelFrame(ids))
      const running = worker.inflight.values().next().value as Task | undefined
      if (!stopRunning || !worker.ready || running === undefined || running.done !== undefined) continue
      setTimeout(() => {
        if (worker.inflight.values().next().value === running) this.kill(worker, running, undefined)
      }, CANCEL_GRACE_MS).unref()
    }
  }

  private settled() {
    if (--this.outstanding === 0) {
      this.keepAlive(false)
      if (this.state === "closed") for (const worker of this.workers) this.retire(worker)
    }
  }

  private finish(task: Task, outcome: TaskOutcome) {
    const done = task.done
    if (done === undefined) return
    task.done = undefined
    this.settled()
    try {
      done(outcome)
    } catch (error) {
      // A caller's bug: it surfaces as theirs, and the rest of this frame's results are still delivered.
      queueMicrotask(() => {
        throw error
      })
    }
  }

  /** While tasks are outstanding the workers keep this process alive; idle ones do not. */
  private keepAlive(keep: boolean) {
    for (const worker of this.workers) worker.handle.setKeepsParentAlive(keep)
  }

  private anyIdle(): boolean {
    for (const worker of this.workers) if (worker.inflight.size === 0 && this.open(worker, 0)) return true
    return false
  }

  private scheduleDispatch() {
    if (this.dispatchScheduled) return
    this.dispatchScheduled = true
    process.nextTick(() => {
      this.dispatchScheduled = false
      this.dispatch()
    })
  }

  /** Whether a worker takes tasks at all now. */
  private open(worker: WorkerRecord, now: number): boolean {
    if (worker.closing) return false
    // Silent for a while with work in hand: it runs a long task; the others, or its own next turn, serve sooner.
    if (worker.inflight.size > 0 && now - worker.busySince > STALLED_MS) return false
    const max = this.settings.maxtasksperchild
    return max === undefined || worker.assigned < max
  }

  /**
   * Sends queued tasks, in order, each to the open worker with the least
   * backlog that has room for it (see BUSY_AHEAD_MS); then one frame per worker.
   */
  private dispatch() {
    if (this.pendingHead >= this.pending.length) return
    const now = performance.now()
    const open = [...this.workers].filter((worker) => this.open(worker, now))
    // A worker still starting takes a task only while none is ready (at the pool's start), and one at most:
    // a ready one, even busy, will serve it sooner.
    let anyReady = false
    for (const worker of this.workers) anyReady ||= worker.ready && !worker.closing
    while (open.length > 0 && this.pendingHead < this.pending.length) {
      const task = this.pending[this.pendingHead]!
      if (task.done === undefined) { // cancelled while queued
        this.pending[this.pendingHead++] = undefined
        continue
      }
      const room = windowOf(task.fn)
      let best: WorkerRecord | undefined
      for (const worker of open) {
        if (!worker.ready && (anyReady || worker.inflight.size > 0)) continue
        if (worker.inflight.size < room && (best === undefined || worker.backlogMs < best.backlogMs)) best = worker
      }
      if (best === undefined) break // it waits, and so do those behind it, for a worker with room
      this.pending[this.pendingHead++] = undefined
      this.assign(task, best)
      if (!this.open(best, now)) open.splice(open.indexOf(best), 1)
    }
    if (this.pendingHead >= this.pending.length) {
      this.pending = []
      this.pendingHead = 0
    } else if (this.pendingHead > 4096 && this.pendingHead * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.pendingHead)
      this.pendingHead = 0
    }
    for (const worker of this.workers) {
      if (worker.out.count > 0) worker.handle.channel.write(worker.out.take())
    }
  }

  private assign(task: Task, worker: WorkerRecord) {
    if (!worker.defined.has(task.fn.id)) {
      worker.defined.add(task.fn.id)
      // Before this dispatch's frame of tasks, which is written last.
      worker.handle.channel.write(task.fn.define)
    }
    const wasIdle = worker.inflight.size === 0
    task.worker = worker
    task.costMs = task.fn.paceMs ?? UNKNOWN_COST_MS
    worker.backlogMs += task.costMs
    worker.inflight.set(task.id, task)
    worker.assigned++
    worker.out.add((into, at) => {
      into.writeUInt32BE(task.id, at)
      into.writeUInt32BE(task.fn.id, at + 4)
      into[at + 8] = task.mode
      into.writeUInt32BE(task.softMs, at + 9)
    }, task.payload)
    if (worker.out.byteLength >= BATCH_BYTES) worker.handle.channel.write(worker.out.take())
    if (wasIdle) {
      worker.busySince = performance.now()
      if (worker.ready) this.armHardLimit(worker)
    }
  }

  /** Starts the hard limit of the task a worker runs now (its oldest unanswered), counted from now. */
  private armHardLimit(worker: WorkerRecord) {
    const running = worker.inflight.values().next().value as Task | undefined
    if (running === worker.timedTask) return
    if (worker.hardTimer !== undefined) clearTimeout(worker.hardTimer)
    worker.hardTimer = undefined
    worker.timedTask = running
    if (running === undefined || running.hardMs <= 0) return
    worker.hardTimer = setTimeout(() => {
      if (worker.inflight.values().next().value !== running) return
      this.kill(
        worker,
        running,
        new TimeLimitExceeded({
          message: `task ${running.fn.name} ran past its time limit of ${running.hardMs} ms: ` +
            `worker ${worker.name} (pid ${worker.pid}) was killed and replaced`,
          pid: worker.pid,
          limitMs: running.hardMs
        })
      )
    }, running.hardMs)
    worker.hardTimer.unref()
  }

  /**
   * Kills a worker for the task it runs: that task then fails with `error`
   * (none: it was withdrawn). Should the worker have moved on before the
   * signal lands, the task it moved on to is lost like any other.
   */
  private kill(worker: WorkerRecord, task: Task | undefined, error: TaskError | undefined) {
    if (worker.killedFor === undefined && task !== undefined) worker.killedFor = { task, error }
    worker.closing = true
    worker.handle.signal("SIGKILL")
  }

  /**
   * A worker whose channel carries what its loop never writes (a task wrote
   * to the descriptor) cannot be understood any more: it is killed, and the
   * task it runs fails with `WorkerLostError`, as if it had died. Without this
   * the pool would wait for good for the rest of a frame that never comes.
   */
  private corrupted(worker: WorkerRecord, what: string) {
    worker.corrupt = true
    const running = worker.inflight.values().next().value as Task | undefined
    this.kill(
      worker,
      running,
      new WorkerLostError({
        message: `worker ${worker.name} (pid ${worker.pid}) was killed and replaced: its control channel carried ${what}, ` +
          `not the pool's protocol${running === undefined ? "" : ` (while running task ${running.fn.name})`}; ` +
          "a task must not write to the worker's descriptor " + CONTROL_FD,
        pid: worker.pid,
        exitCode: null,
        signal: "SIGKILL"
      })
    )
  }

  /** Lets a worker finish what it has, then end: no more tasks, and its channel closes once it has answered all. */
  private retire(worker: WorkerRecord) {
    const wasServing = !worker.closing
    worker.closing = true
    if (worker.inflight.size === 0 && !worker.channelClosed) worker.handle.channel.end()
    // Its successor starts now, not once it has gone (recycling, not a shrink: `size` says which).
    if (wasServing && this.state === "running") this.replenish()
  }

  private spawn(): Effect.Effect<void, InvalidTargetError | SerializationError | ProcessError> {
    return Effect.suspend(() => {
      const identity = nextChildIdentity()
      const name = `SpawnPoolWorker-${identity.identity.join(":")}`
      const init = this.initializer
      let record: WorkerRecord | undefined
      const settings = Effect.runSync(Ref.get(this.mp.settings))
      return this.mp.spawnWorker({
        target: init?.target ?? NOOP_INITIALIZER,
        args: init?.args ?? [],
        pool: this.settings.maxMemoryPerChild === undefined ? {} : { maxMemory: this.settings.maxMemoryPerChild },
        ...(this.settings.execArgv === undefined ? {} : { execArgv: this.settings.execArgv }),
        identity: childIdentity({ name, daemon: true, identity: identity.identity, executable: settings.executable }),
        onExit: (code) => {
          if (record === undefined) return
          record.exitCode = code
          this.maybeGone(record)
        }
      }).pipe(
        Effect.map((handle) => {
          record = new WorkerRecord(handle, name)
          this.watch(record)
        })
      )
    })
  }

  private watch(worker: WorkerRecord) {
    this.workers.add(worker)
    worker.handle.setKeepsParentAlive(this.outstanding > 0)
    const channel = worker.handle.channel
    channel.on("data", (chunk: Buffer) => this.received(worker, chunk))
    channel.on("close", () => {
      worker.channelClosed = true
      this.maybeGone(worker)
    })
    channel.resume()
  }

  private received(worker: WorkerRecord, chunk: Buffer) {
    if (worker.corrupt) return
    const answered: Array<Task> = []
    try {
      for (const frame of worker.frames.push(chunk)) this.onFrame(worker, frame, answered)
    } catch (error) {
      return this.corrupted(worker, (error as Error).message)
    }
    if (answered.length > 0) {
      // Once per read: the results of one read share the time since the last.
      const now = performance.now()
      const perTask = (now - worker.busySince) / answered.length
      for (const task of answered) task.fn.paceMs = task.fn.paceMs === undefined ? perTask : task.fn.paceMs * 0.7 + perTask * 0.3
      worker.busySince = now
    }
    this.dispatch()
  }

  private onFrame(worker: WorkerRecord, frame: Buffer, answered: Array<Task>) {
    switch (frame[0]) {
      case P.READY:
        worker.ready = true
        worker.busySince = performance.now()
        return this.armHardLimit(worker)
      case P.INIT_FAILED:
        worker.initError = decode(frame.subarray(1)) as EncodedError
        return
      case P.RETIRING: {
        // It runs nothing more: what it had not started goes to the others now, not once it has exited.
        worker.retired = true
        const unstarted = [...worker.inflight.values()]
        worker.inflight.clear()
        worker.backlogMs = 0
        this.armHardLimit(worker)
        this.retire(worker)
        return this.requeue(unstarted)
      }
      case P.RESULTS:
        return this.onResults(worker, frame, answered)
    }
  }

  private onResults(worker: WorkerRecord, frame: Buffer, answered: Array<Task>) {
    P.forEachItem(frame, (at, end) => {
      const id = frame.readUInt32BE(at)
      const task = worker.inflight.get(id)
      if (task === undefined) return
      worker.inflight.delete(id)
      worker.backlogMs = worker.inflight.size === 0 ? 0 : worker.backlogMs - task.costMs
      answered.push(task)
      const status = frame[at + 4]
      const payload = frame.subarray(at + P.RESULT_HEADER, end)
      if (task.done !== undefined) this.finish(task, this.outcome(worker, task, status, payload))
    })
    if (answered.length > 0 && !worker.answered) {
      worker.answered = true
      this.startupFailures = 0
    }
    this.armHardLimit(worker)
    if (worker.inflight.size === 0) {
      const max = this.settings.maxtasksperchild
      if (worker.closing || (max !== undefined && worker.assigned >= max)) this.retire(worker)
    }
  }

  private outcome(worker: WorkerRecord, task: Task, status: number, payload: Buffer): TaskOutcome {
    switch (status) {
      case P.OK:
        // A copy: the frame is a view of the socket's chunk, which the whole batch shares.
        return { ok: true, value: Buffer.from(payload) }
      case P.SOFT_TIME_LIMIT:
        return {
          ok: false,
          error: new SoftTimeLimitExceeded({
            message: `task ${task.fn.name} ran past its soft time limit of ${task.softMs} ms: its signal was aborted`,
            pid: worker.pid,
            limitMs: task.softMs
          })
        }
      case P.CANCELLED:
        return { ok: false, error: new Terminated({ message: `task ${task.fn.name} was cancelled` }) }
    }
    const error = decode(payload) as EncodedError
    switch (status) {
      case P.RAISED:
        return { ok: false, error: decodeError(error, worker.pid, worker.name) }
      case P.LOAD_FAILED:
        return { ok: false, error: new InvalidTargetError({ message: error.message }) }
      default:
        return {
          ok: false,
          error: new SerializationError({
            message: status === P.UNSENDABLE
              ? `the result of ${task.fn.name} cannot be sent back from the worker: ${error.message}`
              : `the arguments of ${task.fn.name} could not be read in the worker: ${error.message}`
          })
        }
    }
  }

  /** A worker is gone once it has exited and everything it wrote has been read. */
  private maybeGone(worker: WorkerRecord) {
    if (worker.exitCode === null || !worker.channelClosed || !this.workers.delete(worker)) return
    if (worker.hardTimer !== undefined) clearTimeout(worker.hardTimer)
    const code = worker.exitCode
    const signal = code < 0 ? signalNames[-code] ?? `signal ${-code}` : null
    const unanswered = [...worker.inflight.values()]
    worker.inflight.clear()
    // Dying before it is ready, or once ready but before it answered anything with nothing in hand (an
    // initializer's asynchronous leftovers), is failing at start-up; dying with a task in hand is that task's.
    if (!worker.ready || (!worker.answered && unanswered.length === 0 && !worker.closing)) {
      if (worker.closing || this.state === "terminated") return this.afterGone(unanswered)
      this.startupFailures++
      const why = worker.initError !== undefined
        ? `its initializer raised ${worker.initError.type}: ${worker.initError.message}`
        : `it exited with ${signal ?? `code ${code}`} ${worker.ready ? "before its first task" : "before it was ready"}`
      if (this.startupFailures >= MAX_STARTUP_FAILURES) {
        this.break(new WorkerStartupError({
          message: `pool workers keep failing at start-up (${this.startupFailures} in a row; the last: ${why}); ` +
            "fix the initializer or the worker's environment and make a new pool",
          failures: this.startupFailures
        }))
      }
    } else if (unanswered.length > 0 && !worker.retired) {
      const running = unanswered.shift()!
      const killedFor = worker.killedFor?.task === running ? worker.killedFor : undefined
      const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`
      this.finish(running, {
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
    this.afterGone(unanswered)
  }

  /** What a worker had not started goes first to the others, in order. */
  private requeue(unstarted: ReadonlyArray<Task>) {
    const requeue = unstarted.filter((task) => task.done !== undefined)
    for (const task of requeue) task.worker = undefined
    if (requeue.length === 0) return
    this.pending = [...requeue, ...this.pending.slice(this.pendingHead)]
    this.pendingHead = 0
    if (this.broken !== undefined) this.failPending(this.broken)
  }

  /** A gone worker's unstarted tasks go to the others; a new worker takes its place. */
  private afterGone(unanswered: ReadonlyArray<Task>) {
    this.requeue(unanswered)
    this.replenish()
    this.dispatch()
    if (this.workers.size === 0) this.notifyGone()
  }

  /** Starts workers until `size` are serving, while the pool runs or has tasks left. */
  private replenish() {
    if (this.broken !== undefined || this.state === "terminated") return
    if (this.state === "closed" && this.outstanding === 0) return
    let serving = 0
    for (const worker of this.workers) if (!worker.closing) serving++
    for (; serving < this.size; serving++) {
      const started = Effect.runSyncExit(this.spawn())
      if (started._tag === "Failure") {
        this.startupFailures++
        if (this.startupFailures >= MAX_STARTUP_FAILURES) {
          this.break(new WorkerStartupError({ message: `pool workers cannot be started: ${String(started.cause)}`, failures: this.startupFailures }))
        } else {
          // The system refused a process for now (EAGAIN …): try again shortly; queued tasks wait for it.
          const retry = setTimeout(() => this.replenish(), SPAWN_RETRY_MS)
          if (this.outstanding === 0) retry.unref() // tasks waiting for it keep the process alive
        }
        return
      }
    }
  }

  private break(error: WorkerStartupError) {
    this.broken = error
    this.failOutstanding(error)
    for (const worker of this.workers) this.kill(worker, undefined, undefined)
  }

  /** Fails every task queued or in a worker's hands. */
  private failOutstanding(error: TaskError) {
    this.failPending(error)
    for (const worker of this.workers) for (const task of worker.inflight.values()) this.finish(task, { ok: false, error })
  }

  private failPending(error: TaskError) {
    const pending = this.pending.slice(this.pendingHead)
    this.pending = []
    this.pendingHead = 0
    for (const task of pending) if (task !== undefined) this.finish(task, { ok: false, error })
  }

  /** Python's `close`: no new tasks; the workers end once the queued ones are done. */
  close(): void {
    if (this.state !== "running") return
    this.state = "closed"
    if (this.outstanding === 0) for (const worker of this.workers) this.retire(worker)
  }

  /** Python's `terminate`: outstanding tasks fail with `Terminated`, workers are stopped now. */
  terminate(): void {
    if (this.state === "terminated") return
    this.state = "terminated"
    this.failOutstanding(new Terminated({ message: "the pool was terminated before this task finished" }))
    for (const worker of this.workers) {
      worker.closing = true
      worker.handle.signal("SIGTERM")
    }
    if (this.workers.size > 0) {
      setTimeout(() => {
        for (const worker of this.workers) worker.handle.signal("SIGKILL")
      }, TERMINATE_GRACE_MS).unref()
    }
  }

  /** Calls `onGone` once every worker has exited (after `close` or `terminate`). */
  whenGone(onGone: () => void): void {
    if (this.workers.size === 0) return onGone()
    this.goneWaiters.push(onGone)
  }

  private notifyGone() {
    for (const waiter of this.goneWaiters.splice(0)) waiter()
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
    const serving = [...this.workers].filter((worker) => !worker.closing)
    serving.sort((a, b) => a.inflight.size - b.inflight.size)
    for (const worker of serving.slice(0, n)) this.retire(worker)
    this.dispatch()
  }
}

/** How many unanswered tasks a worker may hold for a task of `fn` to be sent to it (see BUSY_AHEAD_MS). */
const windowOf = (fn: PoolFunction): number =>
  fn.paceMs === undefined ? 1 : Math.min(MAX_WINDOW, Math.max(2, Math.ceil(BUSY_AHEAD_MS / Math.max(fn.paceMs, 0.001))))

const moduleKey = (target: Target.ModuleTarget) => {
  const { exportName, url } = target[Target.ModuleTargetTypeId]
  return `${url}#${exportName}`
}

const cancelFrame = (ids: ReadonlyArray<number>) => {
  const body = Buffer.allocUnsafe(ids.length * 4)
  ids.forEach((id, i) => body.writeUInt32BE(id, i * 4))
  return P.controlFrame(P.CANCEL, body)
}
