/**
 * The pool's scheduler, in the parent: a queue of tasks not yet sent, and per
 * worker (`workers.ts`) the tasks sent and not yet answered, in the order the
 * worker runs them.
 *
 * - Tasks are pipelined: each worker is sent enough to stay busy for about
 *   `BUSY_AHEAD_MS` by its recent pace (at least two, so it never waits for
 *   the next one), gathered per tick into one frame.
 * - Results are read as they come (`taskCodec.ts` reads each answer), each
 *   task settled once: answered, failed, or withdrawn by its caller.
 *
 * Callbacks, not Effects: this is the per-task path, and both faces wrap it.
 */
import { Terminated, ValueError, type WorkerStartupError } from "../../Errors.js"
import type { MultiprocessingService, SpanContext } from "../../Multiprocessing.js"
import type { Options, TaskError } from "../../ProcessPool.js"
import { decode } from "../codec/codec.js"
import type { EncodedError } from "../codec/errors.js"
import { CAP_MICROS, ReplyReader } from "../wire/kernelWait.js"
import type { PoolFunction } from "./functions.js"
import { outcome } from "./taskCodec.js"
import { armHardLimit, stopAfterGrace, type TaskLimits } from "./timeLimits.js"
import * as P from "../child/workerChannel.js"
import { type WorkerRecord, Workers } from "./workers.js"

export type TaskOutcome = { readonly ok: true; readonly value: Buffer } | { readonly ok: false; readonly error: TaskError }

/** A pool's `Options`, its limits in milliseconds (the pool's defaults for every task). */
export type PoolSettings = Omit<Options, "timeout" | "softTimeout"> & TaskLimits & { readonly processes: number }

export interface Task {
  readonly id: number
  readonly fn: PoolFunction
  readonly mode: number
  readonly payload: Uint8Array
  readonly softMs: number
  readonly hardMs: number
  /** The span it runs under, encoded for the worker (`P.encodeSpanContext`), when it has one. */
  readonly span: Uint8Array | undefined
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
/** A worker that has not answered for this long while it has tasks is running a long one. */
const STALLED_MS = 5
/** The longest a submit waits for the result of the only task in flight (see ReplyReader). */
const REPLY_WAIT_MS = CAP_MICROS / 1000
/** Settled once: its `.then` queues a microtask. */
const SETTLED = Promise.resolve()

export class Scheduler {
  readonly workers: Workers
  private readonly replies = new ReplyReader()
  private pending: Array<Task | undefined> = []
  private pendingHead = 0
  private nextTaskId = 1
  outstanding = 0
  /** Whether the workers keep this process alive (tasks are outstanding, or were a moment ago: `letGoWhenIdle`). */
  keepingAlive = false
  private letGoScheduled = false
  private dispatchScheduled = false
  broken: WorkerStartupError | undefined
  state: "running" | "closed" | "terminated" = "running"

  constructor(mp: MultiprocessingService, private readonly settings: PoolSettings) {
    this.workers = new Workers(mp, settings, this)
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
  submit(
    fn: PoolFunction,
    mode: number,
    payload: Uint8Array,
    limits: TaskLimits,
    done: (outcome: TaskOutcome) => void,
    span?: SpanContext
  ): Task {
    const task: Task = {
      id: this.nextTaskId,
      fn,
      mode,
      payload,
      softMs: limits.softTimeoutMs ?? this.settings.softTimeoutMs ?? 0,
      hardMs: limits.timeoutMs ?? this.settings.timeoutMs ?? 0,
      span: span === undefined ? undefined : P.encodeSpanContext(span),
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
    if (this.outstanding++ === 0 && !this.keepingAlive) {
      this.keepingAlive = true
      this.workers.keepAlive(true)
    }
    // An idle worker gets it now; the rest of this tick's tasks leave together at its end.
    if (!this.anyIdle()) {
      this.scheduleDispatch()
      return task
    }
    this.dispatch()
    // The only task in flight: its result is often back within microseconds, sooner read than waited
    // for in the event loop (in the kernel where the addon is built, see ReplyReader); not when its
    // function is known to take longer than such a wait lasts.
    const worker = task.worker
    if (
      this.outstanding === 1 && worker !== undefined && worker.handle.channel.writableLength === 0 &&
      (task.fn.paceMs ?? 0) <= REPLY_WAIT_MS
    ) {
      // Handled after `submit` returns: a caller's callbacks never run inside its own call.
      // `.then` of a settled Promise, not `queueMicrotask` (an AsyncResource per call: see frameWriter.ts's SETTLED).
      this.replies.read(worker.handle.channel, (chunk) => void SETTLED.then(() => this.received(worker, chunk)))
    }
    return task
  }

  /**
   * Withdraws tasks: dropped if not yet sent, skipped by their worker if not
   * started (one message per worker, so that none starts between two). With
   * `stopRunning` (an interruption), a task already running is stopped too
   * (`stopAfterGrace`). Without (a map failed elsewhere), a running task
   * finishes, as in Python, and its result is dropped.
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
      const body = Buffer.allocUnsafe(ids.length * 4)
      ids.forEach((id, i) => body.writeUInt32BE(id, i * 4))
      worker.handle.channel.write(P.controlFrame(P.CANCEL, body))
      const running = worker.running
      if (stopRunning && worker.ready && running !== undefined && running.done === undefined) stopAfterGrace(worker, running)
    }
  }

  private settled() {
    if (--this.outstanding === 0) {
      this.letGoWhenIdle()
      if (this.state === "closed") for (const worker of this.workers.all) this.workers.retire(worker)
    }
  }

  /** Settles a task with `outcome`, unless it is settled already. */
  finish(task: Task, outcome: TaskOutcome) {
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

  /**
   * The workers stop keeping this process alive once the pool has had nothing
   * outstanding for a turn of the event loop, not at each task's end: a caller
   * running one task at a time submits the next in the same turn, and
   * referencing and unreferencing every worker's handles around each task
   * costs a part of each round trip.
   */
  private letGoWhenIdle() {
    if (this.letGoScheduled || !this.keepingAlive) return
    this.letGoScheduled = true
    // The workers are referenced meanwhile, so the loop turns and this runs.
    setImmediate(() => {
      this.letGoScheduled = false
      if (this.outstanding > 0 || !this.keepingAlive) return
      this.keepingAlive = false
      this.workers.keepAlive(false)
    })
  }

  private anyIdle(): boolean {
    for (const worker of this.workers.all) if (worker.inflight.size === 0 && this.open(worker, 0)) return true
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
  dispatch() {
    if (this.pendingHead >= this.pending.length) return
    const now = performance.now()
    const open = [...this.workers.all].filter((worker) => this.open(worker, now))
    // A worker still starting takes a task only while none is ready (at the pool's start), and one at most:
    // a ready one, even busy, will serve it sooner.
    let anyReady = false
    for (const worker of this.workers.all) anyReady ||= worker.ready && !worker.closing
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
    for (const worker of this.workers.all) {
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
      into[at + 8] = task.span === undefined ? task.mode : task.mode | P.TRACED
      into.writeUInt32BE(task.softMs, at + 9)
    }, task.payload, task.span)
    if (worker.out.byteLength >= BATCH_BYTES) worker.handle.channel.write(worker.out.take())
    if (wasIdle) {
      worker.busySince = performance.now()
      if (worker.ready) armHardLimit(worker)
    }
  }

  received(worker: WorkerRecord, chunk: Buffer) {
    if (worker.corrupt) return
    const answered: Array<Task> = []
    try {
      for (const frame of worker.frames.push(chunk)) this.onFrame(worker, frame, answered)
    } catch (error) {
      return worker.corrupted((error as Error).message)
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
        return armHardLimit(worker)
      case P.INIT_FAILED:
        worker.initError = decode(frame.subarray(1)) as EncodedError
        return
      case P.RETIRING: {
        // It runs nothing more: what it had not started goes to the others now, not once it has exited.
        worker.retired = true
        const unstarted = [...worker.inflight.values()]
        worker.inflight.clear()
        worker.backlogMs = 0
        armHardLimit(worker)
        this.workers.retire(worker)
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
      if (task.done !== undefined) this.finish(task, outcome(worker, task, status, payload))
    })
    if (answered.length > 0) this.workers.answered(worker)
    armHardLimit(worker)
    if (worker.inflight.size === 0) {
      const max = this.settings.maxtasksperchild
      if (worker.closing || (max !== undefined && worker.assigned >= max)) this.workers.retire(worker)
    }
  }

  /** What a worker had not started goes first to the others, in order. */
  requeue(unstarted: ReadonlyArray<Task>) {
    const requeue = unstarted.filter((task) => task.done !== undefined)
    for (const task of requeue) task.worker = undefined
    if (requeue.length === 0) return
    this.pending = [...requeue, ...this.pending.slice(this.pendingHead)]
    this.pendingHead = 0
    if (this.broken !== undefined) this.failPending(this.broken)
  }

  /** Workers keep failing at start-up: every task fails with `error`, now and from now on. */
  break(error: WorkerStartupError) {
    this.broken = error
    this.failOutstanding(error)
    for (const worker of this.workers.all) worker.kill(undefined, undefined)
  }

  /** Fails every task queued or in a worker's hands. */
  private failOutstanding(error: TaskError) {
    this.failPending(error)
    for (const worker of this.workers.all) for (const task of worker.inflight.values()) this.finish(task, { ok: false, error })
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
    if (this.outstanding === 0) for (const worker of this.workers.all) this.workers.retire(worker)
  }

  /** Python's `terminate`: outstanding tasks fail with `Terminated`, workers are stopped now. */
  terminate(): void {
    if (this.state === "terminated") return
    this.state = "terminated"
    this.failOutstanding(new Terminated({ message: "the pool was terminated before this task finished" }))
    this.workers.terminate()
  }

  /** Retires `n` workers, idle ones first; they finish what they were sent. */
  shrink(n: number): void {
    this.workers.shrink(n)
    this.dispatch()
  }
}

/** How many unanswered tasks a worker may hold for a task of `fn` to be sent to it (see BUSY_AHEAD_MS). */
const windowOf = (fn: PoolFunction): number =>
  fn.paceMs === undefined ? 1 : Math.min(MAX_WINDOW, Math.max(2, Math.ceil(BUSY_AHEAD_MS / Math.max(fn.paceMs, 0.001))))
