/**
 * Python's `multiprocessing.shared_memory.ShareableList`: a list of fixed
 * length in shared memory, each item a number, bigint, boolean, string,
 * `Uint8Array` or null, that any process attaches to by name. The layout is
 * Python's, so Python processes attach to ours and ours to theirs. A string or
 * bytes item keeps the room it was created with: a longer one does not fit.
 *
 * An integer number is stored as Python's int, any other number as a float; an
 * int reads back as a number when it is a safe integer, as a bigint otherwise.
 * Sent to another process, a ShareableList arrives attached by its name.
 *
 * @since 0.1.0
 */
import type { Effect, Scope } from "effect"
import type { IndexError, TypeError, ValueError } from "./Errors.js"
import * as internal from "./internal/sharedMemory/shareableList.js"
import type { OpenError, SharedMemory } from "./SharedMemory.js"

/**
 * What an item can be.
 *
 * @since 0.1.0
 * @category models
 */
export type Item = number | bigint | boolean | string | Uint8Array | null

/**
 * A list of fixed length in shared memory.
 *
 * @since 0.1.0
 * @category models
 */
export interface ShareableList {
  /** The segment it lives in (its `name` is the list's). */
  readonly shm: SharedMemory
  /** Its number of items, fixed. */
  readonly length: number
  /** Python's `format`: every item's `struct` format, joined ("q", "d", "16s" …). */
  readonly format: string
  /** Item `index`; negative counts from the end. */
  readonly get: (index: number) => Effect.Effect<Item, IndexError | TypeError>
  /** Sets item `index`: any item type, but a string or bytes no longer than its slot's room (ValueError). */
  readonly set: (index: number, item: Item) => Effect.Effect<void, IndexError | TypeError | ValueError>
  /** How many items equal `value` (a Uint8Array by content). */
  readonly count: (value: Item) => Effect.Effect<number>
  /** The first position of `value`; ValueError when absent. */
  readonly index: (value: Item) => Effect.Effect<number, ValueError>
  /** Every item, read now. */
  readonly items: Effect.Effect<Array<Item>>
}

/**
 * Options: the segment's `name` (a fresh one when creating without it).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly name?: string | undefined
}

/**
 * Lays `sequence` out in a new segment, or, without a sequence, attaches to
 * the list named `options.name`; mapped while the Scope is open. As with
 * SharedMemory, unlinking is explicit: `list.shm.unlink`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (sequence?: ReadonlyArray<Item>, options?: Options) => Effect.Effect<ShareableList, OpenError, Scope.Scope> =
  internal.make
