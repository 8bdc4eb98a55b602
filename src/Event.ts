/**
 * Event shared across processes: Python's `multiprocessing.Event`, a flag
 * that processes set, clear and wait on. Served by the process that makes it.
 *
 * @since 0.1.0
 */
import { Effect, type Scope } from "effect"
import { type EventHandle, makeLocal } from "./internal/sync/event.js"
import { PrimitiveTypeId, scopedServed } from "./internal/served/backend.js"

export type Event = EventHandle

/** A new Event, its flag clear. */
export const make = (): Effect.Effect<Event, never, Scope.Scope> =>
  scopedServed(Effect.sync(() => {
    const handle = makeLocal()
    return { handle, ids: [handle[PrimitiveTypeId].id] }
  }))
