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
import { Exit } from "effect"
import { ValueError } from "../Errors.js"
import { isEndOfQueue, makeLocal, type QueueHandle } from "../internal/queue/queueHandle.js"
import { CompatWrapsKey, registerWrapper, runPromise, runSync, seconds } from "./runtime.js"

export interface QueueWaitOptions {
  /** Wait (default); false answers at once. */
  readonly block?: boolean
  /** Seconds to wait at most (forever when omitted or null). */
  readonly timeout?: number | null
}

/** Whether to wait and how long, or the error that refuses a timeout that is not a number of seconds. */
const waitOptions = (block: boolean | QueueWaitOptions | undefined, timeout: number | null | undefined) => {
  const options = typeof block === "object" && block !== null ? block : { block, timeout }
  const limit = options.timeout
  if (limit !== undefined && limit !== null && (typeof limit !== "number" || Number.isNaN(limit))) {
    const got = typeof limit === "number" ? "NaN" : `${typeof limit} ${JSON.stringify(limit)}`
    return new ValueError({ message: `timeout must be a number of seconds (or null to wait without limit), got ${got}` })
  }
  return [options.block ?? true, seconds(limit)] as const
}

/** A handle that travelled (see `wrapQueue`), or a new queue: a maxsize that is no integer is a TypeError here, not at the first put. */
const handleOf = (kind: QueueHandle["kind"], maxsize: number | QueueHandle): QueueHandle =>
  typeof maxsize === "object" && maxsize !== null && typeof maxsize.unsafePut === "function"
    ? maxsize
    : runSync(makeLocal(kind, maxsize as number))

/** Python's `multiprocessing.Queue(maxsize=0)`: FIFO, shared by every process it reaches. */
export class Queue<T = unknown> {
  readonly #handle: QueueHandle

  /** `maxsize` zero or less: no limit. */
  constructor(maxsize: number | QueueHandle = 0) {
    this.#handle = handleOf("Queue", maxsize)
  }

  /** @internal what travels when this is a Process argument */
  get [CompatWrapsKey](): QueueHandle {
    return this.#handle
  }

  protected get handle(): QueueHandle {
    return this.#handle
  }

  /** `put(obj)`, `put(obj, false)`, `put(obj, true, 0.5)` or `put(obj, { timeout: 0.5 })`: `Full` when there is no room in time. */
  put(obj: T, block?: boolean | QueueWaitOptions, timeout?: number | null): Promise<void> {
    if (block === undefined && timeout === undefined) return runPromise(this.#handle.unsafePut(obj))
    const options = waitOptions(block, timeout)
    if (options instanceof ValueError) return runPromise(Exit.fail(options))
    return runPromise(this.#handle.unsafePut(obj, ...options))
  }

  putNowait(obj: T): Promise<void> {
    return this.put(obj, false)
  }

  /** `get()`, `get(false)`, `get(true, 0.5)` or `get({ timeout: 0.5 })`: `Empty` when nothing comes in time. */
  get(block?: boolean | QueueWaitOptions, timeout?: number | null): Promise<T> {
    if (block === undefined && timeout === undefined) return runPromise(this.#handle.unsafeGet()) as Promise<T>
    const options = waitOptions(block, timeout)
    if (options instanceof ValueError) return runPromise(Exit.fail(options))
    return runPromise(this.#handle.unsafeGet(...options)) as Promise<T>
  }

  getNowait(): Promise<T> {
    return this.get(false)
  }

  /** Items put and not yet taken; approximate while other processes put and get, as in Python. */
  qsize(): Promise<number> {
    return runPromise(this.#handle.unsafeQsize())
  }

  async empty(): Promise<boolean> {
    return (await this.qsize()) === 0
  }

  full(): Promise<boolean> {
    return runPromise(this.#handle.unsafeFull())
  }

  /**
   * Ends the queue for every process (not in Python: the Effect face's `end`):
   * puts fail from now on, and once the items left are taken gets fail with
   * `EOFError`, and `for await` loops finish — no sentinel values needed.
   */
  end(): Promise<void> {
    return runPromise(this.#handle.unsafeEnd())
  }

  /** This process puts and gets no more through it; the queue goes on for the others. */
  close(): void {
    this.#handle.unsafeClose()
  }

  /** After `close()`: resolves once everything this process put has been written to the owner. */
  joinThread(): Promise<void> {
    return runPromise(this.#handle.unsafeJoinThread())
  }

  /**
   * Python's `cancel_join_thread()` lets a process exit without flushing its
   * feeder, to avoid a deadlock when nobody reads the pipe. Here the owner reads
   * every put as it arrives, even while it joins the child, so there is no such
   * deadlock and nothing to cancel: puts are never dropped.
   */
  cancelJoinThread(): void {}

  /**
   * Stops serving it, when this process made it: it ends, what waits on it
   * fails, and other processes' proxies fail from then on. Not in Python;
   * without it a queue is served as long as its process lives.
   */
  dispose(): void {
    this.#handle.unsafeShutdown()
  }

  /** Takes items until the queue has ended and is empty. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return takeUntilEnd(() => this.get())
  }
}

async function* takeUntilEnd<T>(get: () => Promise<T>): AsyncGenerator<T> {
  while (true) {
    try {
      yield await get()
    } catch (error) {
      if (isEndOfQueue(error)) return
      throw error
    }
  }
}

/** Python's `JoinableQueue`: consumers call `taskDone()` per item; `join()` waits until every item is done. */
export class JoinableQueue<T = unknown> extends Queue<T> {
  constructor(maxsize: number | QueueHandle = 0) {
    super(handleOf("JoinableQueue", maxsize))
  }

  /** Marks one item taken as done; `ValueError` when called more times than items were put. */
  taskDone(): Promise<void> {
    return runPromise(this.handle.unsafeTaskDone())
  }

  /** Resolves once every item put has been marked done. */
  join(): Promise<void> {
    return runPromise(this.handle.unsafeJoin())
  }
}

/** Python's `SimpleQueue`: unbounded; put, get, empty, close. */
export class SimpleQueue<T = unknown> {
  readonly #handle: QueueHandle

  constructor(handle?: QueueHandle) {
    this.#handle = handle ?? runSync(makeLocal("SimpleQueue", 0))
  }

  /** @internal what travels when this is a Process argument */
  get [CompatWrapsKey](): QueueHandle {
    return this.#handle
  }

  put(obj: T): Promise<void> {
    return runPromise(this.#handle.unsafePut(obj))
  }

  get(): Promise<T> {
    return runPromise(this.#handle.unsafeGet()) as Promise<T>
  }

  async empty(): Promise<boolean> {
    return (await runPromise(this.#handle.unsafeQsize())) === 0
  }

  close(): void {
    this.#handle.unsafeClose()
  }

  /** See `Queue.end`. */
  end(): Promise<void> {
    return runPromise(this.#handle.unsafeEnd())
  }

  /** Takes items until the queue has ended and is empty. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return takeUntilEnd(() => this.get())
  }

  /** See `Queue.dispose`. */
  dispose(): void {
    this.#handle.unsafeShutdown()
  }
}

/** @internal a compat object around an Effect-face handle, for a child's arguments */
export const wrapQueue = (handle: QueueHandle): Queue | JoinableQueue | SimpleQueue =>
  handle.kind === "JoinableQueue" ? new JoinableQueue(handle) : handle.kind === "SimpleQueue" ? new SimpleQueue(handle) : new Queue(handle)

registerWrapper("Queue", wrapQueue)
