/**
 * Lock and RLock shared across processes: Python's `multiprocessing.Lock` and
 * `RLock`. The process that makes one serves it; passed to a child (as a
 * Process argument, or inside a value sent over a Connection) it arrives as a
 * proxy that reaches the owner. Owner-local operations are plain calls; others
 * cost one round trip each (see docs/synchronization.md).
 *
 * Python's holder is a thread; here it is the process, or an Effect run with
 * `asOwner` (and the fibers it forks): an RLock is re-entered only by its
 * holder, and the fibers Effect forks on its own (a timeout, a race) act for
 * the same holder.
 *
 * @since 0.1.0
 */
import { Effect, type Scope } from "effect"
import { scopedServed } from "./internal/served/backend.js"
import { makeLocal, SemLockHandle, type SemLockKind } from "./internal/lock/semLockHandle.js"

export { asOwner } from "./internal/served/backend.js"

export type { AcquireOptions, ReleaseError } from "./internal/lock/semLockHandle.js"

/** A lock (or semaphore) usable from every process it reaches. */
export type Lock = SemLockHandle

/** @internal the four SemLock kinds share this constructor */
export const makeKind = (kind: SemLockKind, value: number): Effect.Effect<SemLockHandle, never, Scope.Scope> =>
  scopedServed(Effect.sync(() => {
    const { backend } = makeLocal(kind, value)
    return { handle: new SemLockHandle(backend, kind), ids: [backend.id] }
  }))

/** A non-recursive lock: released by anyone, once (Python's `multiprocessing.Lock`). */
export const make = (): Effect.Effect<Lock, never, Scope.Scope> => makeKind("Lock", 1)

/** A recursive lock: its holder may acquire it again, and must release it as often (Python's `RLock`). */
export const makeRLock = (): Effect.Effect<Lock, never, Scope.Scope> => makeKind("RLock", 1)
