/**
 * Python's `multiprocessing` Lock, RLock, Semaphore, BoundedSemaphore,
 * Condition, Event and Barrier for plain TypeScript. The process that makes one serves it; passed to a child it
 * arrives as a proxy. Every operation returns a Promise (it may talk to the
 * owner); the owner's own settle without a round trip.
 *
 * ```ts
 * const lock = new Lock()
 * await lock.withLock(async () => { … })
 * ```
 */
import { Duration, Effect } from "effect"
import { BarrierHandle, makeLocal as makeBarrier } from "../internal/sync/barrier.js"
import { ConditionHandle, makeLocal as makeCondition } from "../internal/sync/condition.js"
import * as EffectEvent from "../Event.js"
import { asTask, type Primitive, PrimitiveTypeId, processCaller, shown } from "../internal/served/backend.js"
import * as ResourceServer from "../internal/served/server.js"
import type { SemLockHandle } from "../internal/lock/semLockHandle.js"
import { makeLocal, SemLockHandle as Handle, semaphoreValueError } from "../internal/lock/semLockHandle.js"
import { TypeError, ValueError } from "../Errors.js"
import { CompatWrapsKey, registerWrapper, runPromise, runSync, scoped, seconds, secondsInput } from "./runtime.js"

export interface AcquireOptions {
  /** Wait for it (default); false answers at once. */
  readonly block?: boolean
  /** Seconds to wait at most (forever when omitted or null). */
  readonly timeout?: number | null
}

/**
 * Stops serving primitives this process made (a compat primitive is otherwise
 * served as long as its process lives, as other processes may hold it).
 */
const stopServing = (...primitives: ReadonlyArray<Primitive>) => {
  for (const primitive of primitives) {
    const backend = primitive[PrimitiveTypeId]
    if (backend.isLocal) ResourceServer.unregister(backend.id)
  }
}

/** Python's `timeout` argument: seconds, or null/undefined for none; anything else fails at the call. */
const timeoutSeconds = (what: string, timeout: unknown): Duration.Duration | undefined => {
  if (timeout === null || timeout === undefined) return undefined
  if (typeof timeout !== "number") throw new TypeError({ message: `${what}: timeout must be a number of seconds or null, got ${shown(timeout)}` })
  if (Number.isNaN(timeout)) throw new ValueError({ message: `${what}: timeout must be a number of seconds or null, got NaN` })
  return seconds(timeout)
}

/** Python's `block` and `timeout` of `acquire`, positional or as options, checked at the call. */
const acquireArguments = (block: unknown, timeout: unknown): { block: boolean; timeout: Duration.Duration | undefined } => {
  if (typeof block === "object" && block !== null) {
    const options = block as AcquireOptions
    return acquireArguments(options.block, options.timeout)
  }
  if (block !== undefined && typeof block !== "boolean") {
    throw new TypeError({ message: `acquire: block must be a boolean (or the options { block, timeout }), got ${shown(block)}` })
  }
  return { block: block ?? true, timeout: timeoutSeconds("acquire", timeout) }
}

/** A Promise of `f`'s, rejected with what `f` throws while it checks its arguments. */
const checking = <T>(f: () => Promise<T>): Promise<T> => {
  try {
    return f()
  } catch (error) {
    return Promise.reject(error)
  }
}

const fresh = (kind: SemLockHandle["kind"], value: number) => new Handle(makeLocal(kind, value).backend, kind)

class SemLockBase {
  readonly #handle: SemLockHandle

  protected constructor(handle: SemLockHandle) {
    this.#handle = handle
  }

  /** @internal what travels when this is a Process argument */
  get [CompatWrapsKey](): SemLockHandle {
    return this.#handle
  }

  /**
   * Python's `acquire(block=True, timeout=None)`, as `acquire()`, `acquire(false)`,
   * `acquire(true, 0.5)` or `acquire({ timeout: 0.5 })`: true once acquired.
   */
  acquire(block?: boolean | AcquireOptions, timeout?: number | null): Promise<boolean> {
    return checking(() => {
      const checked = acquireArguments(block, timeout)
      return runPromise(this.#handle.unsafeAcquire(processCaller(), checked.block, checked.timeout))
    })
  }

  release(): Promise<void> {
    return runPromise(this.#handle.unsafeRelease(processCaller()))
  }

  getValue(): Promise<number> {
    return runPromise(this.#handle.unsafeGetValue(processCaller()))
  }

  /**
   * Stops serving it, when this process made it: other processes' proxies fail
   * from then on. Not in Python, where the OS keeps it; optional, for a long-lived
   * owner that makes many.
   */
  close(): void {
    stopServing(this.#handle)
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
    const held = async () => {
      await this.acquire()
      try {
        return await body()
      } finally {
        await this.release()
      }
    }
    const handle = this.#handle
    return handle.kind === "RLock" && handle.unsafeHeldBy(processCaller()) ? held() : asTask(held)
  }
}

/** A Semaphore's handle, made from its initial value (checked: TypeError or ValueError, as in Python) or given. */
const semaphore = (kind: "Semaphore" | "BoundedSemaphore", value: unknown): SemLockHandle => {
  if (value instanceof Handle) return value
  const error = semaphoreValueError(value)
  if (error !== undefined) throw error
  return fresh(kind, value as number)
}

/** A non-recursive lock: released by anyone, once. */
export class Lock extends SemLockBase {
  /** @internal a child revives a proxy with its handle */
  constructor(handle?: SemLockHandle) {
    super(handle ?? fresh("Lock", 1))
  }
}

/** A recursive lock: its holder (this process) may acquire it again, and must release it as often. */
export class RLock extends SemLockBase {
  /** @internal a child revives a proxy with its handle */
  constructor(handle?: SemLockHandle) {
    super(handle ?? fresh("RLock", 1))
  }
}

export class Semaphore extends SemLockBase {
  constructor(value: number | SemLockHandle = 1) {
    super(semaphore("Semaphore", value))
  }
}

export class BoundedSemaphore extends SemLockBase {
  constructor(value: number | SemLockHandle = 1) {
    super(semaphore("BoundedSemaphore", value))
  }
}

/** @internal a compat object around an Effect-face handle, for a child's arguments */
export const wrapSemLock = (handle: SemLockHandle) => {
  switch (handle.kind) {
    case "Lock":
      return new Lock(handle)
    case "RLock":
      return new RLock(handle)
    case "Semaphore":
      return new Semaphore(handle)
    case "BoundedSemaphore":
      return new BoundedSemaphore(handle)
  }
}

/** Python's `Condition(lock=None)`: on a Lock or RLock of this process, or a fresh RLock. */
export class Condition {
  readonly #handle: ConditionHandle
  readonly #lock: Lock | RLock
  readonly #madeLock: boolean

  constructor(lock?: Lock | RLock | ConditionHandle) {
    this.#madeLock = lock === undefined
    if (lock instanceof Lock || lock instanceof RLock || lock === undefined) {
      this.#handle = runSync(makeCondition(lock?.[CompatWrapsKey])).handle
      this.#lock = lock ?? (wrapSemLock(this.#handle.lock) as RLock)
    } else if (lock instanceof ConditionHandle) {
      this.#handle = lock
      this.#lock = wrapSemLock(lock.lock) as Lock | RLock
    } else {
      throw new TypeError({ message: `a Condition's lock must be a Lock or RLock, got ${shown(lock)}` })
    }
  }

  /** @internal what travels when this is a Process argument */
  get [CompatWrapsKey](): ConditionHandle {
    return this.#handle
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
    return checking(() => runPromise(this.#handle.unsafeWait(processCaller(), timeoutSeconds("wait", timeout))))
  }
  /** Waits until `predicate()` holds, at most `timeout` seconds in all; gives its last answer. */
  waitFor(predicate: () => boolean | Promise<boolean>, timeout?: number | null): Promise<boolean> {
    return checking(() => {
      const limit = timeoutSeconds("waitFor", timeout)
      const holds = Effect.promise(async () => Boolean(await predicate()))
      return runPromise(this.#handle.unsafeWaitFor(processCaller(), holds, limit))
    })
  }
  notify(n = 1): Promise<void> {
    return runPromise(this.#handle.unsafeNotify(processCaller(), n))
  }
  notifyAll(): Promise<void> {
    return runPromise(this.#handle.unsafeNotifyAll(processCaller()))
  }
  /** Stops serving it, and the lock when it made that (see Lock.close). */
  close(): void {
    stopServing(this.#handle, ...(this.#madeLock ? [this.#handle.lock] : []))
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

  /** @internal what travels when this is a Process argument */
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
    return runPromise(this.#event.wait(secondsInput(timeout)))
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
  readonly #handle: BarrierHandle<unknown>

  constructor(parties: number | BarrierHandle<unknown>, options?: BarrierOptions) {
    if (parties instanceof BarrierHandle) {
      this.#handle = parties
      return
    }
    const action = options?.action
    const timeout = timeoutSeconds("Barrier", options?.timeout)
    this.#handle = runSync(makeBarrier(parties, {
      // What the action throws is what its party gets, as itself (not wrapped).
      ...(action === undefined ? {} : { action: Effect.tryPromise({ try: async () => action(), catch: (thrown) => thrown }) }),
      ...(timeout === undefined ? {} : { timeout })
    }))
  }

  /** @internal what travels when this is a Process argument */
  get [CompatWrapsKey](): BarrierHandle<unknown> {
    return this.#handle
  }

  get parties(): number {
    return this.#handle.parties
  }
  /** Waits for every party; gives this caller's index. Rejects with `BrokenBarrierError` if it breaks. */
  wait(timeout?: number | null): Promise<number> {
    return checking(() => runPromise(this.#handle.unsafeWait(timeoutSeconds("wait", timeout))))
  }
  abort(): Promise<void> {
    return runPromise(this.#handle.unsafeAbort())
  }
  reset(): Promise<void> {
    return runPromise(this.#handle.unsafeReset())
  }
  /** Python's `n_waiting` (a round trip, hence a method). */
  nWaiting(): Promise<number> {
    return runPromise(Effect.map(this.#handle.unsafeState(), (state) => state.nWaiting))
  }
  /** Python's `broken` (a round trip, hence a method). */
  broken(): Promise<boolean> {
    return runPromise(Effect.map(this.#handle.unsafeState(), (state) => state.broken))
  }
  /** Stops serving it (see Lock.close). */
  close(): void {
    stopServing(this.#handle)
  }
}

registerWrapper("Lock", wrapSemLock)
registerWrapper("Event", (event: EffectEvent.Event) => new Event(event))
registerWrapper("Condition", (handle: ConditionHandle) => new Condition(handle))
registerWrapper("Barrier", (handle: BarrierHandle<unknown>) => new Barrier(handle))
