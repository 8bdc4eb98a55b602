/**
 * Python's `multiprocessing.shared_memory.SharedMemory`: a block of memory
 * that several processes map, named so that any process, related or not (a
 * Python one too), can attach to it. `buf` is a `Uint8Array` over it; a
 * `Float64Array` or `Int32Array` over `buf.buffer` shares big numeric data
 * without copying. Use `Atomics` on an `Int32Array` over it for words that
 * several processes change at once.
 *
 * Sent to another process (a Process or Pool argument, a Queue item), a
 * SharedMemory arrives attached there by its name, as Python pickles it.
 *
 * It needs the library's native addon (Linux, built by `npm run build`);
 * without it `make` fails with `SharedMemoryUnavailableError`.
 *
 * @since 0.1.0
 */
import type { Effect, Scope } from "effect"
import type {
  FileExistsError,
  FileNotFoundError,
  OSError,
  SharedMemoryUnavailableError,
  TypeError,
  ValueError
} from "./Errors.js"
import * as internal from "./internal/sharedMemory/sharedMemory.js"

/**
 * A mapped shared memory segment.
 *
 * @since 0.1.0
 * @category models
 */
export interface SharedMemory {
  /** Its name, as Python shows it (without the system's leading "/"): what other processes attach by. */
  readonly name: string
  /** Its size in bytes. */
  readonly size: number
  /** The memory: writes are seen by every process that maps it. Empty once closed. */
  readonly buf: Uint8Array
  /** Unmaps it from this process (idempotent). Other mappings, and the name, stay. */
  readonly close: Effect.Effect<void>
  /** Removes the name: no process can attach any more; the memory goes when the last mapping closes. Once: a second unlink fails with FileNotFoundError. */
  readonly unlink: Effect.Effect<void, FileNotFoundError | OSError>
}

/**
 * How to make one: Python's `SharedMemory(name=None, create=False, size=0)`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The segment's name (a leading "/" is optional). Omitted when creating: a fresh unique name. */
  readonly name?: string | undefined
  /** Create a new segment (true) or attach to an existing one (false, the default). */
  readonly create?: boolean | undefined
  /** The size in bytes of a segment to create (> 0); ignored when attaching, which maps it whole. */
  readonly size?: number | undefined
}

/**
 * Every way opening a segment fails: the name taken (`FileExistsError`) or
 * absent (`FileNotFoundError`), a bad size or name (`ValueError`, `TypeError`),
 * the system refusing (`OSError`), or no addon (`SharedMemoryUnavailableError`).
 *
 * @since 0.1.0
 * @category errors
 */
export type OpenError =
  | FileExistsError
  | FileNotFoundError
  | ValueError
  | TypeError
  | OSError
  | SharedMemoryUnavailableError

/**
 * Creates a segment (`create: true`, a `size`) or attaches to one by `name`,
 * mapped while the Scope is open: closing the Scope closes it (unmaps it here).
 * As in Python, closing never removes the segment: the creator (or anyone)
 * calls `unlink` when no process will attach any more. One created without a
 * name is removed anyway when its creating process ends, as Python's resource
 * tracker does; give a name to keep one beyond its creator.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (options?: Options) => Effect.Effect<SharedMemory, OpenError, Scope.Scope> = internal.make
