/**
 * Python's `multiprocessing` Lock, RLock, Semaphore and BoundedSemaphore for
 * plain TypeScript. The process that makes one serves it; passed to a child it
 * arrives as a proxy. Every operation returns a Promise (it may talk to the
 * owner); the owner's own settle without a round trip.
 *
 * ```ts
 * const lock = new Lock()
 * await lock.withLock(async () => { … })
 * ```
 */
import type { SemLockHandle } from "../internal/semLockHandle.js"
import { makeLocal, SemLockHandle as Handle } from "../internal/semLockHandle.js"
import { EffectPrimitiveKey } from "../internal/handles.js"
import { processCaller } from "../internal/primitive.js"
import { ValueError } from "../Errors.js"
import { runPromise, seconds } from "./runtime.js"

export interface AcquireOptions {
  /** Wait for it (default); false answers at once. */
  readonly block?: boolean
  /** Seconds to wait at most (forever when omitted or null). */
  readonly timeout?: number | null
}

const fresh = (kind: SemLockHandle["kind"], value: number) => new Handle(makeLocal(kind, value).backend, kind)

class SemLockBase {
  readonly #handle: SemLockHandle

  protected constructor(handle: SemLockHandle) {
    this.#handle = handle
  }

  /** @internal what travels when this is a Process argument */
  get [EffectPrimitiveKey](): SemLockHandle {
    return this.#handle
  }

  /**
   * Python's `acquire(block=True, timeout=None)`, as `acquire()`, `acquire(false)`,
   * `acquire(true, 0.5)` or `acquire({ timeout: 0.5 })`: true once acquired.
   */
  acquire(block?: boolean | AcquireOptions, timeout?: number | null): Promise<boolean> {
    const options = typeof block === "object" ? block : { block, timeout }
    return runPromise(this.#handle.unsafeAcquire(processCaller(), options.block ?? true, seconds(options.timeout)))
  }

  release(): Promise<void> {
    return runPromise(this.#handle.unsafeRelease(processCaller()))
  }

  getValue(): Promise<number> {
    return runPromise(this.#handle.unsafeGetValue(processCaller()))
  }

  /** Python's `with lock:` — runs `body` holding it, and releases it however `body` ends. */
  async withLock<T>(body: () => T | Promise<T>): Promise<T> {
    await this.acquire()
    try {
      return await body()
    } finally {
      await this.release()
    }
  }
}

const semaphoreValue = (value: number) => {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ValueError({ message: `semaphore initial value must be a non-negative integer, got ${value}` })
  }
  return value
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
    super(typeof value === "number" ? fresh("Semaphore", semaphoreValue(value)) : value)
  }
}

export class BoundedSemaphore extends SemLockBase {
  constructor(value: number | SemLockHandle = 1) {
    super(typeof value === "number" ? fresh("BoundedSemaphore", semaphoreValue(value)) : value)
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
