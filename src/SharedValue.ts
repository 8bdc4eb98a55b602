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
import { Effect, Either, type Scope } from "effect"
import type { ValueError } from "./Errors.js"
import type { Lock } from "./Lock.js"
import { scopedServed } from "./internal/served/backend.js"
import { ArrayHandle, makeLocalArray, makeLocalValue, type Made, ValueHandle } from "./internal/sharedValue/sharedValueHandle.js"
import type { Input, Item, Items, Typecode } from "./internal/sharedValue/sharedValue.js"

export type { Input, Item, Items, Typecode }
export type { ItemError } from "./internal/sharedValue/sharedValueHandle.js"

/** A Value or RawValue: one item of typecode `T`, read with `get`, written with `set`. */
export type SharedValue<T extends Typecode = Typecode> = ValueHandle<T>

/** An Array or RawArray: `length` items of typecode `T`, with Python's indexing and slicing. */
export type SharedArray<T extends Typecode = Typecode> = ArrayHandle<T>

export interface Options {
  /**
   * Python's `lock=`: true (the default) makes an RLock for it, false makes it
   * raw (no lock), or a Lock or RLock made by this process guards it.
   */
  readonly lock?: boolean | Lock
}

/** The handle, scoped: its registration (and its own lock's) ends with the scope. */
const scoped = <H>(make: () => Either.Either<Made<H>, ValueError>): Effect.Effect<H, ValueError, Scope.Scope> =>
  scopedServed(Effect.suspend(() => make()))

/** Python's `Value(typecode, initial)`: one item (zero by default) with a lock, unless `lock: false`. */
export const makeValue = <T extends Typecode>(
  typecode: T,
  initial?: Input<T>,
  options?: Options
): Effect.Effect<SharedValue<T>, ValueError, Scope.Scope> =>
  scoped(() => makeLocalValue(typecode, initial, { raw: false, lock: options?.lock }))

/**
 * Python's `Array(typecode, size_or_initializer)`: `size` zeros, or the items
 * given (a string for 'c'), with a lock unless `lock: false`.
 */
export const makeArray = <T extends Typecode>(
  typecode: T,
  sizeOrInitializer: number | ReadonlyArray<Input<T>> | (T extends "c" ? string : never),
  options?: Options
): Effect.Effect<SharedArray<T>, ValueError, Scope.Scope> =>
  scoped(() => makeLocalArray(typecode, sizeOrInitializer, { raw: false, lock: options?.lock }))

/** Python's `RawValue(typecode, initial)`: a Value without a lock. */
export const makeRawValue = <T extends Typecode>(
  typecode: T,
  initial?: Input<T>
): Effect.Effect<SharedValue<T>, ValueError, Scope.Scope> => scoped(() => makeLocalValue(typecode, initial, { raw: true }))

/** Python's `RawArray(typecode, size_or_initializer)`: an Array without a lock. */
export const makeRawArray = <T extends Typecode>(
  typecode: T,
  sizeOrInitializer: number | ReadonlyArray<Input<T>> | (T extends "c" ? string : never)
): Effect.Effect<SharedArray<T>, ValueError, Scope.Scope> =>
  scoped(() => makeLocalArray(typecode, sizeOrInitializer, { raw: true }))
