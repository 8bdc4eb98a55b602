/**
 * Python's `multiprocessing` Queue, JoinableQueue and SimpleQueue for plain
 * TypeScript. The process that makes one serves it; passed to a child it
 * arrives as a proxy. Everything that may talk to the owner returns a Promise.
 *
 * ```ts
 * const q = new Queue()
 * const p = new Process({ target: (q) => q.put([42, null, "hello"]), args: [q] })
 * p.start()
 * console.log(await q.get()) // [42, null, "hello"]
 * await p.join()
 * ```
 *
 * Errors are Python's: `Empty`, `Full`, `ValueError` (a closed queue, too many
 * `taskDone`s). Not in Python: `end()` ends a queue for every process, after
 * which gets fail with `EOFError` once it is empty, and `for await` over a
 * queue finishes there.
 */
import { type Effect, Exit } from "effect"
import { ValueError } from "../Errors.js"
import * as ProcessQueue from "../ProcessQueue.js"
import { CallbacksKey, CompatWrapsKey, registerWrapper, runPromise, runSync, runTimedWait, scoped, secondsInput } from "./runtime.js"
import * as answers from "./timedWaits.js"

export interface QueueWaitOptions {
  /** Wait (default); false answers at once. */
  readonly block?: boolean
  /** Seconds to wait at most (forever when omitted or null). */
  readonly timeout?: number | null
}

/** Python's `block` and `timeout` (seconds) as the Effect face's options, or the error that refuses a timeout that is not a number of seconds. */
const waitOptions = (block: boolean | QueueWaitOptions | undefined, timeout: number | null | undefined): ProcessQueue.WaitOptions | ValueError => {
  const options = typeof block === "object" && block !== null ? block : { block, timeout }
  const limit = options.timeout
  if (limit !== undefined && limit !== null && (typeof limit !== "number" || Number.isNaN(limit))) {
    const got = typeof limit === "number" ? "NaN" : `${typeof limit} ${JSON.stringify(limit)}`
    return new ValueError({ message: `timeout must be a number of seconds (or null to wait without limit), got ${got}` })
  }
  return { block: options.block ?? true, timeout: secondsInput(limit) }
}

/** The Effect queue's put and get, started at once (under `CallbacksKey`): no Effect per call to carry the start. */
interface QueueCalls {
  readonly put: (item: unknown, options?: ProcessQueue.WaitOptions) => Effect.Effect<void, unknown, any>
  readonly get: (options?: ProcessQueue.WaitOptions) => Effect.Effect<any, unknown, any>
}

/**
 * What the three share: the Effect queue, and how to stop serving it when
 * this process made it (in a Scope of its own); a queue that travelled here
 * arrives made (see `registerWrapper`).
 */
abstract class Queues<T, Q extends ProcessQueue.SimpleQueue<any>> {
  readonly #queue: Q
  readonly #dispose: () => void
  readonly #calls: QueueCalls

  constructor(made: Q | number | undefined, make: () => { readonly value: Q; readonly close: () => void }) {
    const { value, close } = typeof made === "object" && made !== null ? { value: made, close: () => {} } : make()
    this.#queue = value
    this.#dispose = close
    this.#calls = (value as unknown as Record<typeof CallbacksKey, QueueCalls | undefined>)[CallbacksKey] ?? {
      put: (item, options) => (value as unknown as ProcessQueue.Queue<any>).put(item, options),
      get: (options) => (value as unknown as ProcessQueue.Queue<any>).get(options)
    }
  }

  /** The Effect queue's put and get, started at once (see `QueueCalls`). */
  protected get calls(): QueueCalls {
    return this.#calls
  }

  /** The Effect queue: what travels when this is a Process argument. */
  get [CompatWrapsKey](): Q {
    return this.#queue
  }

  protected get queue(): Q {
    return this.#queue
  }

  put(obj: T): Promise<void> {
    return runPromise(this.#calls.put(obj))
  }

  get(): Promise<T> {
    return runPromise(this.#calls.get())
  }

  empty(): Promise<boolean> {
    return runPromise(this.#queue.empty)
  }

  /** This process puts and gets no more through it; the queue goes on for the others. */
  close(): void {
    runSync(this.#queue.close)
  }

  /**
   * Ends the queue for every process (not in Python: the Effect face's `end`):
   * puts fail from now on, and once the items left are taken gets fail with
   * `EOFError`, and `for await` loops finish — no sentinel values needed.
   */
  end(): Promise<void> {
    return runPromise(this.#queue.end)
  }

  /** Takes items until the queue has ended and is empty. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (true) {
      try {
        yield await this.get()
      } catch (error) {
        if ((error as { _tag?: unknown } | null)?._tag === "EOFError") return
        throw error
      }
    }
  }

  /**
   * Stops serving it, when this process made it: it ends, what waits on it
   * fails, and other processes' proxies fail from then on. Not in Python;
   * without it a queue is served as long as its process lives.
   */
  dispose(): void {
    this.#dispose()
  }

  /** `using q = new Queue()`: `dispose()` at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose()
  }
}

/** Python's `SimpleQueue`: unbounded; put, get, empty, close. */
export class SimpleQueue<T = unknown> extends Queues<T, ProcessQueue.SimpleQueue<any>> {
  constructor(queue?: ProcessQueue.SimpleQueue<any>) {
    super(queue, () => scoped(ProcessQueue.makeSimple()))
  }
}

/** Python's `multiprocessing.Queue(maxsize=0)`: FIFO, shared by every process it reaches. */
export class Queue<T = unknown> extends Queues<T, ProcessQueue.Queue<any>> {
  /** `maxsize` zero or less: no limit; one that is no integer is a `TypeError`. */
  constructor(maxsize: number | ProcessQueue.Queue<any> = 0) {
    const make = new.target === JoinableQueue ? ProcessQueue.makeJoinable : ProcessQueue.make
    super(maxsize, () => scoped(make({ maxsize: maxsize as number })))
  }

  /** `put(obj)`, `put(obj, false)`, `put(obj, true, 0.5)` or `put(obj, { timeout: 0.5 })`: `Full` when there is no room in time. */
  override put(obj: T, block?: boolean | QueueWaitOptions, timeout?: number | null): Promise<void> {
    const options = block === undefined && timeout === undefined ? undefined : waitOptions(block, timeout)
    return runTimedWait(options instanceof ValueError ? Exit.fail(options) : this.calls.put(obj, options), answers.put)
  }

  putNowait(obj: T): Promise<void> {
    return this.put(obj, false)
  }

  /** `get()`, `get(false)`, `get(true, 0.5)` or `get({ timeout: 0.5 })`: `Empty` when nothing comes in time. */
  override get(block?: boolean | QueueWaitOptions, timeout?: number | null): Promise<T> {
    const options = block === undefined && timeout === undefined ? undefined : waitOptions(block, timeout)
    return runTimedWait(options instanceof ValueError ? Exit.fail(options) : this.calls.get(options), answers.got)
  }

  getNowait(): Promise<T> {
    return this.get(false)
  }

  /** Items put and not yet taken; approximate while other processes put and get, as in Python. */
  qsize(): Promise<number> {
    return runPromise(this.queue.qsize)
  }

  full(): Promise<boolean> {
    return runPromise(this.queue.full)
  }

  /** After `close()`: resolves once everything this process put has been written to the owner. */
  joinThread(): Promise<void> {
    return runPromise(this.queue.joinThread)
  }

  /**
   * Python's `cancel_join_thread()` lets a process exit without flushing its
   * feeder, to avoid a deadlock when nobody reads the pipe. Here the owner reads
   * every put as it arrives, even while it joins the child, so there is no such
   * deadlock and nothing to cancel: puts are never dropped.
   */
  cancelJoinThread(): void {}
}

/** Python's `JoinableQueue`: consumers call `taskDone()` per item; `join()` waits until every item is done. */
export class JoinableQueue<T = unknown> extends Queue<T> {
  constructor(maxsize: number | ProcessQueue.JoinableQueue<any> = 0) {
    super(maxsize)
  }

  /** Marks one item taken as done; `ValueError` when called more times than items were put. */
  taskDone(): Promise<void> {
    return runPromise((this.queue as ProcessQueue.JoinableQueue<any>).taskDone)
  }

  /** Resolves once every item put has been marked done. */
  join(): Promise<void> {
    return runPromise((this.queue as ProcessQueue.JoinableQueue<any>).join)
  }
}

registerWrapper("Queue", (queue: ProcessQueue.SimpleQueue<any>) =>
  queue.kind === "JoinableQueue" ? new JoinableQueue(queue as never) : queue.kind === "SimpleQueue" ? new SimpleQueue(queue) : new Queue(queue as never))
