/**
 * A pool worker's loop: the child bootstrap runs it instead of a target when
 * the Start message says the child is a pool worker. The initializer (the
 * Start message's target) runs first; then tasks arrive on the control
 * channel, many to a frame, and run one at a time in the order sent. A task's
 * result is written before the next task starts, straight to the socket: the
 * pool can then tell which task a dying worker was running.
 *
 * A task that returns a Promise or an Effect holds the loop until it settles,
 * or until its soft time limit: then its signal is aborted (an Effect is
 * interrupted), the pool is told at once, and the loop moves on. A task
 * cancelled before it starts is skipped; one cancelled while it waits is
 * abandoned like a soft limit. The pool kills workers for the rest (hard
 * limits, interruption of a synchronous task).
 */
import type { Socket } from "node:net"
import { decode, encode, encodeLean, hasHandleCodec, holdsHandles } from "../codec/codec.js"
import { type EncodedError, encodeError } from "../codec/errors.js"
import { Spinner, writeDirect } from "../wire/synchronousRead.js"
import { FrameDecoder } from "../wire/framing.js"
import * as P from "./workerChannel.js"
import type { SpanContext, StartMessage } from "./controlMessages.js"
import { poolChannel } from "./controlChannel.js"
import { importModule } from "./preloaded.js"
import { isEffect, isThenable, loadInlineTarget, loadModuleTarget, settle, type Target } from "./targets.js"

interface Task {
  readonly id: number
  readonly fn: number
  readonly mode: number
  readonly softMs: number
  readonly payload: Buffer
  /** The pool's span for this task: an Effect the function returns runs as its child. */
  readonly parentSpan: SpanContext | undefined
}

type Loaded = { readonly fn: Target } | { readonly error: EncodedError } | Promise<void>


/**
 * `exit` is the bootstrap's: it lets queue items and connections still
 * leaving go out first, as a Process's child does.
 */
export const servePool = (start: StartMessage, initialize: () => Promise<unknown>, exit: (code: number) => void): void => {
  const settings = start.pool!
  const channel: Socket = poolChannel()
  const frames = new FrameDecoder()
  const functions = new Map<number, Loaded>()
  const queue: Array<Task> = []
  const cancelled = new Set<number>()
  const results = new P.ItemFrameWriter(P.RESULTS, P.RESULT_HEADER)
  let ready = false
  let busy = false
  let retired = false
  /** The task holding the loop while it settles, and how to let go of it. */
  let waiting: { readonly id: number; readonly abandon: (status: number) => void } | undefined
  let abort: AbortController | undefined
  const initialized = initialize()
  ;(globalThis as Record<symbol, unknown>)[P.TASK_SIGNAL_KEY] = () => (abort ??= new AbortController()).signal

  const reply = (id: number, status: number, payload?: Uint8Array) =>
    results.add((into, at) => {
      into.writeUInt32BE(id, at)
      into[at + 4] = status
    }, payload)
  const replyError = (id: number, status: number, error: unknown) => reply(id, status, encodeLean(encodeError(error)))
  /**
   * Sends the results gathered so far. Directly, when nothing waits in Node's
   * buffer before them: a task must not start while the results of those
   * before it are unsent, since the pool counts the oldest unanswered task as
   * the one running when a worker dies.
   */
  const flush = () => {
    if (results.count === 0) return
    const frame = results.take()
    // Behind what waits in the stream's buffer, in order; else directly, and what did not fit (the pool is
    // behind) goes to the buffer, where the next task waits until it is out (runQueued).
    const written = unsent > 0 ? undefined : writeDirect(channel, frame)
    if (written === undefined) return writeLater(frame)
    if (written < frame.byteLength) writeLater(frame.subarray(written))
  }
  /** Results handed to Node's buffer and not yet written out, and who waits for them to be. */
  let unsent = 0
  let whenSent: (() => void) | undefined
  const writeLater = (bytes: Uint8Array) => {
    unsent++
    channel.write(bytes, () => {
      if (--unsent > 0 || whenSent === undefined) return
      const resume = whenSent
      whenSent = undefined
      resume()
    })
  }
  // A task that ends the process (process.exit, an uncaught throw) leaves no result of its own, but those before it go.
  process.on("exit", flush)

  const define = (message: P.DefineMessage) => {
    if (message.target._tag === "Inline") {
      try {
        functions.set(message.id, { fn: loadInlineTarget(message.target) })
      } catch (error) {
        functions.set(message.id, { error: encodeError(error) })
      }
      return
    }
    const target = message.target
    functions.set(
      message.id,
      // As in Python, the initializer has run before any task's module is imported.
      initialized.then(() => loadModuleTarget(target, message.typescriptLoader)).then(
        (fn) => void functions.set(message.id, { fn }),
        (error) => void functions.set(message.id, { error: encodeError(error) })
      )
    )
  }

  const onFrame = (frame: Buffer) => {
    switch (frame[0]) {
      case P.DEFINE:
        return define(decode(frame.subarray(1)) as P.DefineMessage)
      case P.TASKS:
        return P.forEachItem(frame, (at, end) => {
          const mode = frame[at + 8]
          const traced = (mode & P.TRACED) === 0 ? undefined : P.decodeSpanContext(frame, at + P.TASK_HEADER)
          queue.push({
            id: frame.readUInt32BE(at),
            fn: frame.readUInt32BE(at + 4),
            mode: mode & ~P.TRACED,
            softMs: frame.readUInt32BE(at + 9),
            // A copy: the frame may be a view of a socket chunk that other tasks' bytes keep alive.
            payload: Buffer.from(frame.subarray(traced?.end ?? at + P.TASK_HEADER, end)),
            parentSpan: traced?.span
          })
        })
      case P.CANCEL:
        for (let at = 1; at + 4 <= frame.byteLength; at += 4) {
          const id = frame.readUInt32BE(at)
          if (waiting?.id === id) waiting.abandon(P.CANCELLED)
          else if (queue.some((task) => task.id === id)) cancelled.add(id)
        }
        return
    }
  }

  const feed = (chunk: Buffer) => {
    for (const frame of frames.push(chunk)) onFrame(frame)
  }
  const onData = (chunk: Buffer) => {
    feed(chunk)
    pump()
  }

  /** Runs the call(s) of one task; a value when done now, a Promise of the result when it must wait. */
  const call = (fn: Target, task: Task, input: unknown): unknown => {
    if (task.mode === P.APPLY) return fn(...(input as Array<unknown>))
    const inputs = input as Array<unknown>
    const out: Array<unknown> = new Array(inputs.length)
    for (let i = 0; i < inputs.length; i++) {
      const value = task.mode === P.MAP ? fn(inputs[i]) : fn(...(inputs[i] as Array<unknown>))
      if (isThenable(value) || isEffect(value)) return finishAsync(fn, task, inputs, out, i, value)
      out[i] = value
    }
    return out
  }
  const finishAsync = async (fn: Target, task: Task, inputs: Array<unknown>, out: Array<unknown>, from: number, first: unknown) => {
    out[from] = await settle(first, (abort ??= new AbortController()).signal, task.parentSpan)
    for (let i = from + 1; i < inputs.length; i++) {
      const value = task.mode === P.MAP ? fn(inputs[i]) : fn(...(inputs[i] as Array<unknown>))
      out[i] = await settle(value, abort.signal, task.parentSpan)
    }
    return out
  }

  const succeed = (id: number, value: unknown) => {
    let bytes: Uint8Array
    try {
      bytes = encode(value)
    } catch (error) {
      return replyError(id, P.UNSENDABLE, error)
    }
    reply(id, P.OK, bytes)
  }

  /** Runs one task; a Promise when it holds the loop. */
  const run = (task: Task): Promise<void> | undefined => {
    const loaded = functions.get(task.fn)
    if (loaded === undefined) return void replyError(task.id, P.LOAD_FAILED, new Error(`function ${task.fn} was never defined`))
    if (loaded instanceof Promise) return loaded.then(() => run(task))
    if ("error" in loaded) return void reply(task.id, P.LOAD_FAILED, encodeLean(loaded.error))
    if (holdsHandles(task.payload) && !hasHandleCodec()) {
      // Shared primitives among the arguments: the library revives them (loaded once, here; the URL is
      // the bundle's, internal/child/bootstrap.cjs).
      return importModule(new URL("../kinds.js", import.meta.url).href).then(
        () => run(task),
        (error) => void replyError(task.id, P.LOAD_FAILED, error)
      )
    }
    let input: unknown
    try {
      input = decode(task.payload)
    } catch (error) {
      return void replyError(task.id, P.BAD_PAYLOAD, error)
    }
    abort = undefined
    const started = performance.now()
    let value: unknown
    try {
      value = call(loaded.fn, task, input)
    } catch (error) {
      return void replyError(task.id, P.RAISED, error)
    }
    if (!isThenable(value) && !isEffect(value)) return void succeed(task.id, value)
    return new Promise<void>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      const done = (settled: () => void) => {
        if (waiting?.id !== task.id) return
        waiting = undefined
        if (timer !== undefined) clearTimeout(timer)
        settled()
        resolve()
      }
      waiting = {
        id: task.id,
        abandon: (status) =>
          done(() => {
            ;(abort ??= new AbortController()).abort()
            reply(task.id, status)
          })
      }
      if (task.softMs > 0) {
        timer = setTimeout(() => waiting?.abandon(P.SOFT_TIME_LIMIT), Math.max(0, task.softMs - (performance.now() - started)))
      }
      settle(value, (abort ??= new AbortController()).signal, task.parentSpan).then(
        (result) => done(() => succeed(task.id, result)),
        (error) => done(() => replyError(task.id, P.RAISED, error))
      )
    })
  }

  const overMemory = () => settings.maxMemory !== undefined && process.memoryUsage.rss() > settings.maxMemory

  const retire = () => {
    retired = true
    flush()
    channel.write(P.controlFrame(P.RETIRING), () => exit(0))
  }

  /** Runs queued tasks until none is left or one must wait, each after the results before it are sent. */
  const runQueued = (): void => {
    while (queue.length > 0) {
      const task = queue.shift()!
      if (cancelled.delete(task.id)) {
        reply(task.id, P.CANCELLED)
        continue
      }
      flush()
      if (unsent > 0) {
        // Earlier results still wait in Node's buffer: the task starts once they are out.
        queue.unshift(task)
        busy = true
        whenSent = () => {
          busy = false
          pump()
        }
        return
      }
      const pending = run(task)
      if (pending !== undefined) {
        busy = true
        flush()
        return void pending.then(() => {
          busy = false
          if (overMemory()) return retire()
          pump()
        })
      }
      if (overMemory()) return retire()
    }
    flush()
  }

  /**
   * Runs what is queued; then, as the next task is often that close, reads
   * the channel directly for a moment before sleeping in the event loop. A
   * loop, not recursion, however long tasks keep coming.
   */
  let pumping = false
  const spinner = new Spinner()
  const pump = (): void => {
    if (pumping) return
    pumping = true
    try {
      do {
        if (!ready || busy || retired) return
        runQueued()
        if (busy || retired) return
      } while (channel.writableLength === 0 && spinner.read(channel, feed))
    } finally {
      pumping = false
    }
  }

  channel.on("data", onData)
  // The pool closed the channel (retiring this worker, or closing) or is gone: nothing more will come.
  channel.on("end", () => {
    flush()
    exit(0)
  })
  channel.on("error", () => process.exit(1))
  channel.resume()

  initialized.then(
    () => {
      ready = true
      channel.write(P.controlFrame(P.READY))
      pump()
    },
    (error) => {
      const data = encodeError(error)
      process.stderr.write(`Process ${start.process.name}: initializer failed:\n${data.stack ?? `${data.type}: ${data.message}`}\n`)
      channel.write(P.controlFrame(P.INIT_FAILED, encodeLean(data)), () => process.exit(1))
    }
  )
}
