/**
 * Python's `multiprocessing.managers.SharedMemoryManager`: it makes
 * SharedMemory blocks and ShareableLists and frees them all (unlinks them)
 * when it shuts down, here when its Scope closes. Unlike Python's, it runs no
 * server process: the process that uses it keeps the list, and segments of a
 * process that was killed are removed by the library's sweep.
 *
 * @since 0.1.0
 */
import type { Effect, Scope } from "effect"
import type { ValueError } from "./Errors.js"
import * as internal from "./internal/sharedMemory/sharedMemoryManager.js"
import type { Item, ShareableList } from "./ShareableList.js"
import type { OpenError, SharedMemory } from "./SharedMemory.js"

/**
 * Makes shared memory it frees at shutdown.
 *
 * @since 0.1.0
 * @category models
 */
export interface SharedMemoryManager {
  /** A new block of `size` bytes. Fails with ValueError once shut down. */
  readonly SharedMemory: (size: number) => Effect.Effect<SharedMemory, OpenError | ValueError>
  /** A new ShareableList holding `sequence`. Fails with ValueError once shut down. */
  readonly ShareableList: (sequence: ReadonlyArray<Item>) => Effect.Effect<ShareableList, OpenError | ValueError>
  /** Closes and unlinks every block it made (idempotent); the Scope's end does it too. */
  readonly shutdown: Effect.Effect<void>
}

/**
 * A manager whose blocks are freed when the Scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: () => Effect.Effect<SharedMemoryManager, never, Scope.Scope> = () => internal.make
