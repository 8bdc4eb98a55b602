/**
 * Barrier shared across processes: Python's `multiprocessing.Barrier`.
 * `parties` callers meet at `wait`; the optional action runs once per
 * generation in the process that made the barrier, before anyone goes on.
 *
 * @since 0.1.0
 */
import { type Duration, Effect, type Scope } from "effect"
import type { ValueError } from "./Errors.js"
import { type BarrierHandle, makeLocal } from "./internal/barrier.js"
import { PrimitiveTypeId, scopedServed } from "./internal/primitive.js"

export type Barrier = BarrierHandle

export interface Options {
  /** Runs once per generation, in this process, when the last party arrives; its failure breaks the barrier. */
  readonly action?: Effect.Effect<unknown, unknown>
  /** The timeout of a `wait` that gives none. */
  readonly timeout?: Duration.DurationInput
}

/** A barrier for `parties` callers. */
export const make = (parties: number, options?: Options): Effect.Effect<Barrier, ValueError, Scope.Scope> =>
  scopedServed(Effect.map(makeLocal(parties, options), (handle) => ({ handle, ids: [handle[PrimitiveTypeId].id] })))
