/**
 * Pipe: two Connections joined by an OS stream socket (AF_UNIX). Duplex by
 * default; `duplex: false` gives `[reader, writer]`, as Python's
 * `Pipe(duplex=False)` does. The reader sees end of file once the writer end is
 * closed.
 *
 * @since 0.1.0
 */
import type { Effect, Scope } from "effect"
import type { Connection } from "./Connection.js"
import type { OSError } from "./Errors.js"
import * as internal from "./internal/connection/pipe.js"
import type * as Serializer from "./Serializer.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options<A = unknown, E = never> {
  /** Both ends read and write (default); false gives a read-only and a write-only end. */
  readonly duplex?: boolean
  /** How `send`/`recv` encode objects; the default codec unless given. */
  readonly serializer?: Serializer.Serializer<A, E>
}

/**
 * Two connected ends, closed with the Scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: <A = unknown, E = never>(
  options?: Options<A, E>
) => Effect.Effect<readonly [Connection<A, E>, Connection<A, E>], OSError, Scope.Scope> = internal.make
