/**
 * Python's `multiprocessing` Lock, RLock, Semaphore, BoundedSemaphore,
 * Condition, Event and Barrier for plain TypeScript. Where the native addon is
 * built they live in shared memory, and every process that holds one operates
 * on it itself; otherwise (and a Manager's) the process that makes one serves
 * it, and passed to a child it arrives as a proxy that reaches that owner.
 * Every operation returns a Promise; one done at once (an uncontended lock)
 * settles without a round trip. Locks also have Python's blocking forms
 * (`acquireSync`, `withLockSync`) in shared memory.
 *
 * ```ts
 * const lock = new Lock()
 * await lock.withLock(async () => { … })
 * ```
 */
import { Effect, type Scope } from "effect"
import * as EffectBarrier from "../Barrier.js"
import * as EffectCondition from "../Condition.js"
import * as EffectEvent from "../Event.js"
import * as EffectLock from "../Lock.js"
import * as EffectSemaphore from "../Semaphore.js"
import type { Multiprocessing } from "../Multiprocessing.js"
import { callTimedWait, CompatWrapsKey, registerWrapper, runPromise, runTimedWait, scoped, secondsInput } from "./runtime.js"
import * as answers from "./timedWaits.js"

export interface AcquireOptions {
  /** Wait for it (default); false answers at once. */
  readonly block?: boolean
  /** Seconds to wait at most (forever when omitted or null). */
  readonly timeout?: number | null
}

/** An Effect object that arrived from another process, or a new one served until `close()`. */
const givenOr = <A, E>(given: A | undefined, make: () => Effect.Effect<A, E, Scope.Scope | Multiprocessing>) =>
  given !== undefined ? { value: given, close: () => {} } : scoped(make())

const isEffectObject = (u: unknown, member: string): boolean => typeof u === "object" && u !== null && !(CompatWrapsKey in u) && member in u

/** Python's `block` and `timeout` of `acquire`, positional or as options, as the Effect face takes them. */
const acquireOptions = (block: unknown, timeout: unknown): EffectLock.AcquireOptions =>
  typeof block === "object" && block !== null
    ? { block: (block as AcquireOptions).block, timeout: secondsInput((block as AcquireOptions).timeout) } as EffectLock.AcquireOptions
    : { block, timeout: secondsInput(timeout) } as EffectLock.AcquireOptions

class SemLockBase {
  readonly #lock: EffectLock.Lock
  readonly #close: () => void

  protected constructor(made: { readonly value: EffectLock.Lock; readonly close: () => void }) {
    this.#lock = made.value
    this.#close = made.close
  }

  /** What travels when this is a Process argument: the Effect object it wraps. */
  get [CompatWrapsKey](): EffectLock.Lock {
    return this.#lock
  }

  /**
   * Python's `acquire(block=True, timeout=None)`, as `acquire()`, `acquire(false)`,
   * `acquire(true, 0.5)` or `acquire({ timeout: 0.5 })`: true once acquired.
   */
  acquire(block?: boolean | AcquireOptions, timeout?: number | null): Promise<boolean> {
    return block === undefined && timeout == null
      ? runPromise(this.#lock.acquire())
      : runTimedWait(this.#lock.acquire(acquireOptions(block, timeout)), answers.acquired)
  }

  release(): Promise<void> {
    return runPromise(this.#lock.release)
  }

  /**
   * Python's blocking `acquire(block=True, timeout=None)` itself: blocks this
   * thread until acquired (spinning briefly, then sleeping in the kernel) and
   * gives true, or false once `timeout` seconds pass. Nothing else of this
   * thread runs meanwhile. Only a lock in shared memory has it: one served
   * over a socket (no addon, a Manager's) throws SyncUnsupportedError, as does
   * a wait without timeout for a lock this thread holds (another thread's,
   * even one of this process, is waited for).
   */
  acquireSync(block?: boolean | AcquireOptions, timeout?: number | null): boolean {
    return block === undefined && timeout == null
      ? this.#lock.acquireSync()
      : callTimedWait(() => this.#lock.acquireSync(acquireOptions(block, timeout)), answers.acquired)
  }

  /** Python's `release()`, done at once (see acquireSync). */
  releaseSync(): void {
    this.#lock.releaseSync()
  }

  /**
   * Python's `with lock:` around synchronous code: `body` runs holding it,
   * taken with `acquireSync`, and it is released however `body` ends. The
   * fastest form for a short critical section in shared memory:
   * `lock.withLockSync(() => { counter.value += 1 })`.
   */
  withLockSync<T>(body: () => T): T {
    return this.#lock.withLockSync(body)
  }

  getValue(): Promise<number> {
    return runPromise(this.#lock.getValue)
  }

  /**
   * Stops serving it, when this process made it: other processes' proxies fail
   * from then on. Not in Python, where the OS keeps it; optional, for a long-lived
   * owner that makes many.
   */
  close(): void {
    this.#close()
  }

  /**
   * Python's `with lock:` — runs `body` holding it, and releases it however
   * `body` ends. The body is a task of its own, as a thread is in Python: other
   * tasks of this process wait for it, and within it an RLock is re-entered.
   * A caller that already holds this RLock (a bare `acquire()` before) re-enters
   * it: the body runs as that caller, as Python's `r.acquire(); with r:` does
   * in one thread.
   */
  withLock<T>(body: () => T | Promise<T>): Promise<T> {
    return EffectLock.asTask(this.#lock, async () => {
      await this.acquire()
      try {
        return await body()
      } finally {
        await this.release()
      }
    })
  }
}

/** A non-recursive lock: released by anyone, once. */
export class Lock extends SemLockBase {
  /** Made, or given the Effect object that arrived from another process. */
  constructor(lock?: EffectLock.Lock) {
    super(givenOr(lock, EffectLock.make))
  }
}

/** A recursive lock: its holder (this process) may acquire it again, and must release it as often. */
export class RLock extends SemLockBase {
  /** Made, or given the Effect object that arrived from another process. */
  constructor(lock?: EffectLock.Lock) {
    super(givenOr(lock, EffectLock.makeRLock))
  }
}

/** An Effect Semaphore that arrived, or a new one from its initial value (TypeError or ValueError, as in Python). */
const semaphore = (value: unknown, make: (value: number) => Effect.Effect<EffectSemaphore.Semaphore, unknown, Scope.Scope>) =>
  givenOr(isEffectObject(value, "acquire") ? value as EffectSemaphore.Semaphore : undefined, () => make(value as number))

export class Semaphore extends SemLockBase {
  constructor(value: number | EffectSemaphore.Semaphore = 1) {
    super(semaphore(value, EffectSemaphore.make))
  }
}

export class BoundedSemaphore extends SemLockBase {
  constructor(value: number | EffectSemaphore.Semaphore = 1) {
    super(semaphore(value, EffectSemaphore.makeBounded))
  }
}

/** The compat object around an Effect-face lock that arrived (a child's arguments). */
export const wrapSemLock = (lock: EffectLock.Lock): Lock | RLock | Semaphore | BoundedSemaphore => {
  switch (lock.kind) {
    case "Lock":
      return new Lock(lock)
    case "RLock":
      return new RLock(lock)
    case "Semaphore":
      return new Semaphore(lock as EffectSemaphore.Semaphore)
    case "BoundedSemaphore":
      return new BoundedSemaphore(lock as EffectSemaphore.Semaphore)
  }
}

/** Python's `Condition(lock=None)`: on a Lock or RLock of this process, or a fresh RLock. */
export class Condition {
  readonly #condition: EffectCondition.Condition
  readonly #lock: Lock | RLock
  readonly #close: () => void

  constructor(lock?: Lock | RLock | EffectCondition.Condition) {
    const given = isEffectObject(lock, "notifyAll") ? lock as EffectCondition.Condition : undefined
    const compatLock = lock instanceof Lock || lock instanceof RLock ? lock : undefined
    // Anything else goes on as itself, for the Effect face's TypeError.
    const made = givenOr(given, () => EffectCondition.make(compatLock?.[CompatWrapsKey] ?? (lock as EffectLock.Lock | undefined)))
    this.#condition = made.value
    this.#close = made.close
    this.#lock = compatLock ?? (wrapSemLock(made.value.lock) as Lock | RLock)
  }

  /** What travels when this is a Process argument: the Effect object it wraps. */
  get [CompatWrapsKey](): EffectCondition.Condition {
    return this.#condition
  }

  acquire(block?: boolean | AcquireOptions, timeout?: number | null): Promise<boolean> {
    return this.#lock.acquire(block, timeout)
  }
  release(): Promise<void> {
    return this.#lock.release()
  }
  withLock<T>(body: () => T | Promise<T>): Promise<T> {
    return this.#lock.withLock(body)
  }
  /** Releases the lock, waits to be notified (true) or for `timeout` seconds (false), takes the lock back. */
  wait(timeout?: number | null): Promise<boolean> {
    return runTimedWait(this.#condition.wait(secondsInput(timeout)), answers.woken)
  }
  /** Waits until `predicate()` holds, at most `timeout` seconds in all; gives its last answer. */
  waitFor(predicate: () => boolean | Promise<boolean>, timeout?: number | null): Promise<boolean> {
    return runTimedWait(this.#condition.waitFor(Effect.promise(async () => Boolean(await predicate())), secondsInput(timeout)), answers.woken)
  }
  notify(n = 1): Promise<void> {
    return runPromise(this.#condition.notify(n))
  }
  notifyAll(): Promise<void> {
    return runPromise(this.#condition.notifyAll)
  }
  /** Stops serving it, and the lock when it made that (see Lock.close). */
  close(): void {
    this.#close()
  }
}

/** Python's `Event()`: a flag processes set, clear and wait on. */
export class Event {
  readonly #event: EffectEvent.Event
  readonly #close: () => void

  constructor(event?: EffectEvent.Event) {
    const made = event === undefined ? scoped(EffectEvent.make()) : { value: event, close: () => {} }
    this.#event = made.value
    this.#close = made.close
  }

  /** The Effect Event this wraps: what travels when this is a Process argument. */
  get [CompatWrapsKey](): EffectEvent.Event {
    return this.#event
  }

  isSet(): Promise<boolean> {
    return runPromise(this.#event.isSet)
  }
  set(): Promise<void> {
    return runPromise(this.#event.set)
  }
  clear(): Promise<void> {
    return runPromise(this.#event.clear)
  }
  /** True once the flag is set; false if `timeout` seconds pass first. */
  wait(timeout?: number | null): Promise<boolean> {
    return runTimedWait(this.#event.wait(secondsInput(timeout)), answers.woken)
  }
  /** Stops serving it (see Lock.close). */
  close(): void {
    this.#close()
  }
}

export interface BarrierOptions {
  /**
   * Runs once per generation, in this process, when the last party arrives. If
   * it throws, the barrier breaks, and that last party's `wait` rejects with
   * what it threw (the others with `BrokenBarrierError`), as in Python.
   */
  readonly action?: () => unknown
  /** Seconds: the timeout of a `wait` that gives none. */
  readonly timeout?: number | null
}

/** Python's `Barrier(parties, action=None, timeout=None)`. */
export class Barrier {
  readonly #barrier: EffectBarrier.Barrier<unknown>
  readonly #close: () => void

  constructor(parties: number | EffectBarrier.Barrier<unknown>, options?: BarrierOptions) {
    const action = options?.action
    const timeout = secondsInput(options?.timeout)
    const made = givenOr(isEffectObject(parties, "parties") ? parties as EffectBarrier.Barrier<unknown> : undefined, () =>
      EffectBarrier.make<unknown>(parties as number, {
        // What the action throws is what its party gets, as itself (not wrapped).
        ...(action === undefined ? {} : { action: Effect.tryPromise({ try: async () => action(), catch: (thrown) => thrown }) }),
        ...(timeout === undefined ? {} : { timeout })
      }))
    this.#barrier = made.value
    this.#close = made.close
  }

  /** What travels when this is a Process argument: the Effect object it wraps. */
  get [CompatWrapsKey](): EffectBarrier.Barrier<unknown> {
    return this.#barrier
  }

  get parties(): number {
    return this.#barrier.parties
  }
  /** Waits for every party; gives this caller's index. Rejects with `BrokenBarrierError` if it breaks, or its timeout runs out (which breaks it). */
  wait(timeout?: number | null): Promise<number> {
    return runTimedWait(this.#barrier.wait(secondsInput(timeout)), answers.metAll)
  }
  abort(): Promise<void> {
    return runPromise(this.#barrier.abort)
  }
  reset(): Promise<void> {
    return runPromise(this.#barrier.reset)
  }
  /** Python's `n_waiting` (a round trip, hence a method). */
  nWaiting(): Promise<number> {
    return runPromise(this.#barrier.nWaiting)
  }
  /** Python's `broken` (a round trip, hence a method). */
  broken(): Promise<boolean> {
    return runPromise(this.#barrier.broken)
  }
  /** Stops serving it (see Lock.close). */
  close(): void {
    this.#close()
  }
}

registerWrapper("Lock", wrapSemLock)
registerWrapper("Event", (event: EffectEvent.Event) => new Event(event))
registerWrapper("Condition", (condition: EffectCondition.Condition) => new Condition(condition))
registerWrapper("Barrier", (barrier: EffectBarrier.Barrier<unknown>) => new Barrier(barrier))
