/**
 * Lock and RLock shared across processes: Python's `multiprocessing.Lock` and
 * `RLock`. The process that makes one serves it; passed to a child (as a
 * Process argument, or inside a value sent over a Connection) it arrives as a
 * proxy that reaches the owner. Owner-local operations are plain calls; others
 * cost one round trip each (see docs/synchronization.md).
 *
 * Python's holder is a thread; here it is the thread of JavaScript (a
 * process's main thread, or a worker thread of it, each apart), or an Effect
 * run with `asOwner` (and the fibers it forks): an RLock is re-entered only by its
 * holder, and the fibers Effect forks on its own (a timeout, a race) act for
 * the same holder.
 *
 * @since 0.1.0
 */
import type { Duration, Effect, Pipeable, Scope } from "effect"
import { dual } from "effect/Function"
import type { NotOwnerError, OwnerGoneError, SyncUnsupportedError, TimeoutError, TypeError, ValueError } from "./Errors.js"
import * as internal from "./internal/lock/lock.js"
import * as backend from "./internal/served/backend.js"

/**
 * What an `acquire` takes: Python's `block` and `timeout`.
 *
 * @since 0.1.0
 * @category models
 */
export interface AcquireOptions {
  /** Wait for it (default); false answers at once, with false if it is taken. */
  readonly block?: boolean
  /**
   * Wait at most this long (forever without one), then fail with
   * `TimeoutError`; a zero or negative timeout fails at once if it is taken.
   */
  readonly timeout?: Duration.DurationInput
}

/**
 * Why a release is refused: a lock not held or a bounded semaphore at its
 * maximum (ValueError), an RLock held by another (NotOwnerError), or its owner gone.
 *
 * @since 0.1.0
 * @category errors
 */
export type ReleaseError = ValueError | NotOwnerError | OwnerGoneError

/**
 * A lock (or semaphore) usable from every process it reaches.
 *
 * @since 0.1.0
 * @category models
 */
export interface Lock extends Pipeable.Pipeable {
  /** Which of Python's four it is. */
  readonly kind: "Lock" | "RLock" | "Semaphore" | "BoundedSemaphore"
  /**
   * Python's `acquire(block, timeout)`: true once acquired; with `block:
   * false`, false if it is taken. A timeout that runs out fails with
   * `TimeoutError` (where Python answers false; the compat face does). A
   * `block` that is not a boolean, or a timeout that is not a Duration, fails
   * at once (TypeError).
   */
  readonly acquire: (options?: AcquireOptions) => Effect.Effect<boolean, OwnerGoneError | TimeoutError | TypeError | ValueError>
  /** Python's `release()`: fails on a lock not held, a bounded semaphore at its maximum, an RLock held by another. */
  readonly release: Effect.Effect<void, ReleaseError>
  /** The free permits (for a lock: 1 when unlocked, 0 when locked). */
  readonly getValue: Effect.Effect<number, OwnerGoneError>
  /**
   * Holds it for the rest of the Scope: acquired now (the wait can be
   * interrupted), released when the Scope closes.
   */
  readonly held: Effect.Effect<void, OwnerGoneError, Scope.Scope>
  /**
   * Runs `self` holding it: acquired before, released after, however `self`
   * ends. Waiting for it can be interrupted; a release that fails because the
   * owner has gone is not an error of `self` (there is nothing left to release).
   */
  readonly withLock: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | OwnerGoneError, R>
  /**
   * Python's own `acquire(block, timeout)`: a call that blocks this thread
   * until it is acquired (true), or answers false when `block` is false and it
   * is taken; throws `TimeoutError` when the timeout runs out (the compat
   * face's answers false). It spins for a few microseconds, then sleeps in the
   * kernel, waking every 100 ms to take over from a holder that died. Nothing
   * else of this thread runs meanwhile: for short critical sections in code
   * that has nothing else to serve while it waits.
   *
   * Only a lock in shared memory has it (the addon loaded, not a Manager's).
   * As Effect's own `…Sync` functions, it throws its failures:
   * SyncUnsupportedError for a lock served over a socket, or one held by this
   * very thread when no timeout is given (it could never be released
   * meanwhile; another thread's hold, even one of this process, is waited
   * for); TypeError or ValueError for bad options; OwnerGoneError.
   */
  readonly acquireSync: (options?: AcquireOptions) => boolean
  /** Python's `release()`, done at once; throws what `release` fails with, or SyncUnsupportedError (see `acquireSync`). */
  readonly releaseSync: () => void
  /**
   * Python's `with lock:` around synchronous code: `body` runs holding it
   * (taken with `acquireSync`, blocking this thread while it waits), released
   * however `body` ends. Throws what `acquireSync` and `body` throw.
   */
  readonly withLockSync: <A>(body: () => A) => A
}

/**
 * A non-recursive lock: released by anyone, once (Python's `multiprocessing.Lock`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (): Effect.Effect<Lock, never, Scope.Scope> => internal.make("Lock", 1)

/**
 * A recursive lock: its holder may acquire it again, and must release it as often (Python's `RLock`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeRLock = (): Effect.Effect<Lock, never, Scope.Scope> => internal.make("RLock", 1)

/**
 * Runs `self` as a holder of its own: what it acquires, only it (and the
 * fibers it forks) holds — what a thread is to Python.
 *
 * @since 0.1.0
 * @category combinators
 */
export const asOwner: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R> = backend.asOwner

/**
 * For code outside Effect (Promises): runs `body` as a holder of its own, as
 * a thread is to Python, so that two bodies of one process holding `lock` at
 * once exclude each other and a body re-enters an RLock it holds. A caller
 * that already holds this RLock re-enters it: `body` then runs as that caller.
 * Only the operations `body` starts at once (as the compat face does) act for
 * it; Effects run on a runtime act for the fiber's owner (see `asOwner`).
 *
 * @since 0.1.0
 * @category combinators
 */
export const asTask: <T>(lock: Lock, body: () => Promise<T>) => Promise<T> = internal.asTask

/**
 * Whether `u` is a lock or semaphore of this library.
 *
 * @since 0.1.0
 * @category guards
 */
export const isLock = (u: unknown): u is Lock => internal.isAnyLock(u)

/**
 * Runs an Effect holding `lock` (see `Lock.withLock`): `Lock.withLock(effect, lock)`
 * or `effect.pipe(Lock.withLock(lock))`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withLock: {
  (lock: Lock): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | OwnerGoneError, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, lock: Lock): Effect.Effect<A, E | OwnerGoneError, R>
} = dual(2, <A, E, R>(self: Effect.Effect<A, E, R>, lock: Lock) => lock.withLock(self))

/**
 * `lock.acquire` as a function: `Lock.acquire(lock)` or `lock.pipe(Lock.acquire({ timeout }))`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const acquire: {
  (options?: AcquireOptions): (self: Lock) => Effect.Effect<boolean, OwnerGoneError | TimeoutError | TypeError | ValueError>
  (self: Lock, options?: AcquireOptions): Effect.Effect<boolean, OwnerGoneError | TimeoutError | TypeError | ValueError>
} = dual((args) => isLock(args[0]), (self: Lock, options?: AcquireOptions) => self.acquire(options))

/**
 * Runs the synchronous `body` holding `lock` as one Effect step, blocking this
 * thread while it waits (see `Lock.withLockSync`): the fastest way to update
 * shared memory under a lock, for a short critical section. The lock's
 * failures are typed; what `body` throws is a defect.
 * `Lock.withLockSync(lock, () => …)` or `lock.pipe(Lock.withLockSync(() => …))`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withLockSync: {
  <A>(body: () => A): (self: Lock) => Effect.Effect<A, OwnerGoneError | SyncUnsupportedError>
  <A>(self: Lock, body: () => A): Effect.Effect<A, OwnerGoneError | SyncUnsupportedError>
} = dual(2, <A>(self: Lock, body: () => A) => internal.withLockSync(self, body))

/**
 * `lock.release` as a function: `Lock.release(lock)` or `lock.pipe(Lock.release)`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const release = (self: Lock): Effect.Effect<void, ReleaseError> => self.release
