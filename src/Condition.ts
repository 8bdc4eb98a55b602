/**
 * Condition shared across processes: Python's `multiprocessing.Condition`.
 * Built on a Lock or RLock this process owns (a fresh RLock by default); the
 * process that makes it serves it, and a child that gets it as a Process
 * argument holds a proxy. `wait`, `notify` and `notifyAll` need its lock.
 *
 * @since 0.1.0
 */
import { Effect, type Scope } from "effect"
import type { ValueError } from "./Errors.js"
import type { Lock } from "./Lock.js"
import { type ConditionHandle, makeLocal } from "./internal/sync/condition.js"
import { scopedServed } from "./internal/served/backend.js"

export type { WaitError } from "./internal/sync/condition.js"

export type Condition = ConditionHandle

/** A Condition on `lock` (a Lock or RLock made by this process), or on a fresh RLock. */
export const make = (lock?: Lock): Effect.Effect<Condition, ValueError, Scope.Scope> => scopedServed(makeLocal(lock))
