/**
 * Barrier shared across processes: Python's `multiprocessing.Barrier`.
 * `parties` callers meet at `wait`; the optional action runs once per
 * generation in the process that made the barrier, before anyone goes on.
 *
 * @since 0.1.0
 */
import { type Duration, Effect, type Scope } from "effect"
import type { TypeError, ValueError } from "./Errors.js"
import { type BarrierHandle, makeLocal } from "./internal/sync/barrier.js"
import { PrimitiveTypeId, scopedServed } from "./internal/served/backend.js"

/**
 * `E` is what its action fails with: the party whose arrival ran the action
 * gets that failure, the others `BrokenBarrierError` (in another process, it
 * arrives as the library's error or a `RemoteError`).
 */
export type Barrier<E = never> = BarrierHandle<E>

export interface Options<E = never> {
  /**
   * Runs once per generation, in this process, when the last party arrives.
   * Its failure breaks the barrier, and is what that last party's `wait` fails with.
   */
  readonly action?: Effect.Effect<unknown, E>
  /** The timeout of a `wait` that gives none. */
  readonly timeout?: Duration.DurationInput
}

/** A barrier for `parties` callers. */
export const make = <E = never>(parties: number, options?: Options<E>): Effect.Effect<Barrier<E>, TypeError | ValueError, Scope.Scope> =>
  scopedServed(Effect.map(makeLocal(parties, options), (handle) => ({ handle, ids: [handle[PrimitiveTypeId].id] })))
