/**
 * Event shared across processes: Python's `multiprocessing.Event`, a flag
 * that processes set, clear and wait on. Served by the process that makes it.
 *
 * @since 0.1.0
 */
import { Effect, type Scope } from "effect"
import { type EventHandle, makeLocal } from "./internal/event.js"
import { PrimitiveTypeId } from "./internal/primitive.js"
import * as ResourceServer from "./internal/resourceServer.js"

export type Event = EventHandle

/** A new Event, its flag clear. */
export const make = (): Effect.Effect<Event, never, Scope.Scope> =>
  Effect.acquireRelease(Effect.sync(makeLocal), (event) => Effect.sync(() => ResourceServer.unregister(event[PrimitiveTypeId].id)))
