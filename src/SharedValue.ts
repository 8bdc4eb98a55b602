/**
 * Value, Array, RawValue and RawArray shared across processes: Python's
 * `multiprocessing.Value`, `Array`, `RawValue` and `RawArray`. The process
 * that makes one serves it; passed to a child (as a Process argument) it
 * arrives as a proxy that reaches the owner. Owner-local operations are plain
 * calls; others cost one round trip.
 *
 * Items are C types, as ctypes' are: integers wrap around at their width (an
 * 'i' set to 2**31 reads back -2**31), the 64-bit ones (l L q Q) are bigints,
 * 'c' items are one-character strings (one byte). Single operations are atomic;
 * a read-modify-write needs the lock, as in Python:
 *
 * ```ts
 * const counter = yield* SharedValue.makeValue("i", 0)
 * yield* counter.withLock(Effect.flatMap(counter.get, (n) => counter.set(n + 1)))
 * ```
 *
 * @since 0.1.0
 */
import type { Effect, Scope } from "effect"
import type { IndexError, OwnerGoneError, ValueError } from "./Errors.js"
import type { Lock } from "./Lock.js"
import * as internal from "./internal/sharedValue/sharedValue.js"

/**
 * CPython's typecodes (`multiprocessing.sharedctypes.typecode_to_type`); l and L are 64-bit, as on Linux x86_64.
 *
 * @since 0.1.0
 * @category models
 */
export type Typecode = "b" | "B" | "h" | "H" | "i" | "I" | "l" | "L" | "q" | "Q" | "f" | "d" | "c"

/**
 * What an item of each typecode reads as: bigint for the 64-bit integers, a one-character string for 'c'.
 *
 * @since 0.1.0
 * @category models
 */
export interface Items {
  readonly b: number
  readonly B: number
  readonly h: number
  readonly H: number
  readonly i: number
  readonly I: number
  readonly l: bigint
  readonly L: bigint
  readonly q: bigint
  readonly Q: bigint
  readonly f: number
  readonly d: number
  readonly c: string
}

/**
 * What an item of typecode `T` reads as.
 *
 * @since 0.1.0
 * @category models
 */
export type Item<T extends Typecode> = Items[T]

/**
 * What an item of each typecode may be set to: numbers take a number or a bigint, 'c' a one-character string.
 *
 * @since 0.1.0
 * @category models
 */
export type Input<T extends Typecode> = T extends "c" ? string : number | bigint

/**
 * Why an item operation fails: a value of the wrong type or a bad index (ValueError),
 * an index outside the array (IndexError), or the owner gone.
 *
 * @since 0.1.0
 * @category errors
 */
export type ItemError = ValueError | IndexError | OwnerGoneError

/**
 * What Value, RawValue, Array and RawArray share: a typecode and, unless raw, a lock.
 *
 * @since 0.1.0
 * @category models
 */
export interface Shared<T extends Typecode> {
  readonly typecode: T
  /** False for a RawValue or RawArray. */
  readonly hasLock: boolean
  /** Its lock when known without asking: always in its owner; in another process, once `getLock` has fetched it. */
  readonly lock: Lock | undefined
  /** Python's `get_lock()`: the lock that guards it; fails with ValueError for a Raw one. */
  readonly getLock: Effect.Effect<Lock, ValueError | OwnerGoneError>
  /** Python's `get_obj()`: the unsynchronized object — here the same one, whose operations never take the lock. */
  readonly getObj: () => this
  /** Runs `self` holding its lock (Python's `with value.get_lock():`); fails with ValueError for a Raw one. */
  readonly withLock: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | ValueError | OwnerGoneError, R>
  /**
   * Python's `with value.get_lock():` around synchronous code: its lock's
   * `withLockSync` (blocks this thread while it waits; only in shared memory).
   * Throws ValueError for a Raw one, and what `Lock.withLockSync` throws.
   */
  readonly withLockSync: <A>(body: () => A) => A
}

/**
 * A Value or RawValue: one item of typecode `T`, read with `get`, written with `set`.
 *
 * @since 0.1.0
 * @category models
 */
export interface SharedValue<T extends Typecode = Typecode> extends Shared<T> {
  /** Python's `value.value`. */
  readonly get: Effect.Effect<Item<T>, OwnerGoneError>
  /** Python's `value.value = v`: wraps around at the typecode's width; ValueError for a value of the wrong type. */
  readonly set: (value: Input<T>) => Effect.Effect<void, ValueError | OwnerGoneError>
  /**
   * Python's `value.value`, read at once from shared memory. A Value served
   * over a socket (no addon, or a Manager's) throws SyncUnsupportedError; one
   * whose memory is gone, OwnerGoneError.
   */
  readonly getSync: () => Item<T>
  /** Python's `value.value = v`, written at once in shared memory; throws what `set` fails with, or SyncUnsupportedError (see `getSync`). */
  readonly setSync: (value: Input<T>) => void
}

/**
 * An Array or RawArray: `length` items of typecode `T`, with Python's indexing and slicing.
 *
 * @since 0.1.0
 * @category models
 */
export interface SharedArray<T extends Typecode = Typecode> extends Shared<T> {
  readonly length: number
  /** Python's `a[i]`: negative counts from the end; IndexError outside. */
  readonly getItem: (index: number) => Effect.Effect<Item<T>, ItemError>
  /** Python's `a[i] = v`. */
  readonly setItem: (index: number, value: Input<T>) => Effect.Effect<void, ItemError>
  /** Python's `a[start:stop]`: bounds clamp as Python's do; a missing one is the start or end. */
  readonly getSlice: (start?: number | null, stop?: number | null) => Effect.Effect<Array<Item<T>>, ValueError | OwnerGoneError>
  /** Python's `a[start:stop] = values`: `values` must be as long as the slice (a shared array never resizes). */
  readonly setSlice: (
    start: number | null | undefined,
    stop: number | null | undefined,
    values: ReadonlyArray<Input<T>> | (T extends "c" ? string : never)
  ) => Effect.Effect<void, ValueError | OwnerGoneError>
  /** Every item (Python's `a[:]`). */
  readonly toArray: Effect.Effect<Array<Item<T>>, OwnerGoneError>
  /**
   * Python's `a[i]`, read at once from shared memory: throws what `getItem`
   * fails with; an Array served over a socket (no addon, or a Manager's)
   * throws SyncUnsupportedError.
   */
  readonly getItemSync: (index: number) => Item<T>
  /** Python's `a[i] = v`, written at once in shared memory; throws what `setItem` fails with, or SyncUnsupportedError. */
  readonly setItemSync: (index: number, value: Input<T>) => void
  /** Python's `a[start:stop]` at once, item by item (take the lock around it to read a consistent slice); throws as `getItemSync`. */
  readonly getSliceSync: (start?: number | null, stop?: number | null) => Array<Item<T>>
  /** Python's `a[start:stop] = values` at once; throws what `setSlice` fails with, or SyncUnsupportedError. */
  readonly setSliceSync: (
    start: number | null | undefined,
    stop: number | null | undefined,
    values: ReadonlyArray<Input<T>> | (T extends "c" ? string : never)
  ) => void
  /** Every item at once (Python's `a[:]`); throws as `getItemSync`. */
  readonly toArraySync: () => Array<Item<T>>
}

/**
 * How a Value or Array is guarded.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * Python's `lock=`: true (the default) makes an RLock for it, false makes it
   * raw (no lock), or a Lock or RLock made by this process guards it.
   */
  readonly lock?: boolean | Lock
}

/**
 * Python's `Value(typecode, initial)`: one item (zero by default) with a lock, unless `lock: false`.
 * A bad typecode, initial value or lock fails with ValueError.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeValue = <T extends Typecode>(
  typecode: T,
  initial?: Input<T>,
  options?: Options
): Effect.Effect<SharedValue<T>, ValueError, Scope.Scope> => internal.makeValue(typecode, initial, false, options?.lock)

/**
 * Python's `Array(typecode, size_or_initializer)`: `size` zeros, or the items
 * given (a string for 'c'), with a lock unless `lock: false`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeArray = <T extends Typecode>(
  typecode: T,
  sizeOrInitializer: number | ReadonlyArray<Input<T>> | (T extends "c" ? string : never),
  options?: Options
): Effect.Effect<SharedArray<T>, ValueError, Scope.Scope> => internal.makeArray(typecode, sizeOrInitializer, false, options?.lock)

/**
 * Python's `RawValue(typecode, initial)`: a Value without a lock.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeRawValue = <T extends Typecode>(
  typecode: T,
  initial?: Input<T>
): Effect.Effect<SharedValue<T>, ValueError, Scope.Scope> => internal.makeValue(typecode, initial, true)

/**
 * Python's `RawArray(typecode, size_or_initializer)`: an Array without a lock.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeRawArray = <T extends Typecode>(
  typecode: T,
  sizeOrInitializer: number | ReadonlyArray<Input<T>> | (T extends "c" ? string : never)
): Effect.Effect<SharedArray<T>, ValueError, Scope.Scope> => internal.makeArray(typecode, sizeOrInitializer, true)

/**
 * Whether `u` is an Array or RawArray (rather than a Value or RawValue).
 *
 * @since 0.1.0
 * @category guards
 */
export const isSharedArray: (u: SharedValue | SharedArray) => u is SharedArray = internal.isSharedArray
