/**
 * Python's `multiprocessing` Value, Array, RawValue and RawArray for plain
 * TypeScript (`multiprocessing.sharedctypes`). The process that makes one
 * serves it; passed to a child it arrives as a proxy. Every operation returns a
 * Promise (it may talk to the owner); the owner's own settle without a round trip.
 *
 * ```ts
 * const counter = Value("i", 0)
 * await counter.withLock(async () => counter.set((await counter.get()) + 1))
 * ```
 *
 * Items are C types: integers wrap around at their width, l L q Q are bigints,
 * 'c' items are one-character strings.
 */
import type { Effect, Scope } from "effect"
import type { Multiprocessing } from "../Multiprocessing.js"
import * as EffectShared from "../SharedValue.js"
import type { Input, Item, Typecode } from "../SharedValue.js"
import { CompatWrapsKey, registerWrapper, runPromise, scoped } from "./runtime.js"
import { type Lock, type RLock, wrapSemLock } from "./synchronize.js"

export type { Input, Item, Typecode }

export interface SharedOptions {
  /** true (the default) makes an RLock for it, false makes it raw, or a Lock or RLock made by this process guards it. */
  readonly lock?: boolean | Lock | RLock
}

type CompatLock = ReturnType<typeof wrapSemLock>

class Shared<T extends Typecode, H extends EffectShared.SharedValue<T> | EffectShared.SharedArray<T>> {
  readonly #shared: H
  readonly #close: () => void
  #lock: CompatLock | undefined

  /** `made` is what it wraps and how to stop serving it; `lock` the compat lock it was given, which `getLock` gives back (as Python's does). */
  constructor(made: { readonly value: H; readonly close: () => void }, lock?: CompatLock) {
    this.#shared = made.value
    this.#close = made.close
    this.#lock = lock
  }

  protected get shared(): H {
    return this.#shared
  }

  /** What travels when this is a Process argument: the Effect object it wraps. */
  get [CompatWrapsKey](): H {
    return this.#shared
  }

  get typecode(): T {
    return this.#shared.typecode
  }

  /** Python's `get_lock()`; rejects with ValueError for a Raw one. */
  async getLock(): Promise<CompatLock> {
    if (this.#lock !== undefined) return this.#lock
    const lock = await runPromise(this.#shared.getLock)
    return (this.#lock ??= wrapSemLock(lock))
  }

  /** Python's `get_obj()`: the unsynchronized object — this same one, whose operations never take the lock. */
  getObj(): this {
    return this
  }

  /**
   * Stops serving it, when this process made it (with the lock made for it):
   * other processes' proxies fail from then on. Not in Python; optional, for a
   * long-lived owner that makes many.
   */
  close(): void {
    this.#close()
  }

  [Symbol.dispose](): void {
    this.close()
  }

  /** Python's `with value.get_lock():` — runs `body` holding the lock, and releases it however `body` ends. */
  async withLock<R>(body: () => R | Promise<R>): Promise<R> {
    return (await this.getLock()).withLock(body)
  }

  /**
   * Python's `with value.get_lock():` around synchronous code, blocking this
   * thread while it waits for the lock (see Lock.withLockSync):
   * `counter.withLockSync(() => { counter.value += 1 })`. Only in shared
   * memory; throws ValueError for a Raw one.
   */
  withLockSync<R>(body: () => R): R {
    return this.#shared.withLockSync(body)
  }
}

/** A Value or RawValue: one item of its typecode (Python's `.value` is `get()` / `set(v)`). */
export class SharedValue<T extends Typecode = Typecode> extends Shared<T, EffectShared.SharedValue<T>> {
  get(): Promise<Item<T>> {
    return runPromise(this.shared.get)
  }

  /** Wraps around at the typecode's width; rejects with ValueError for a value of the wrong type. */
  set(value: Input<T>): Promise<void> {
    return runPromise(this.shared.set(value))
  }

  /**
   * Python's `value.value`, read and written at once in shared memory. A
   * Value served over a socket (no addon, a Manager's) throws
   * SyncUnsupportedError: use `get()` and `set(v)` there.
   */
  get value(): Item<T> {
    return this.shared.getSync()
  }

  set value(value: Input<T>) {
    this.shared.setSync(value)
  }
}

/** An Array or RawArray: a fixed number of items, with Python's indexing and slicing. */
export class SharedArray<T extends Typecode = Typecode> extends Shared<T, EffectShared.SharedArray<T>> {
  get length(): number {
    return this.shared.length
  }

  /** `a[i]`: negative counts from the end; rejects with IndexError outside. */
  getItem(index: number): Promise<Item<T>> {
    return runPromise(this.shared.getItem(index))
  }

  /** `a[i] = v`. */
  setItem(index: number, value: Input<T>): Promise<void> {
    return runPromise(this.shared.setItem(index, value))
  }

  /** `a[start:stop]`: bounds clamp as Python's do; a missing one is the start or end. */
  getSlice(start?: number | null, stop?: number | null): Promise<Item<T>[]> {
    return runPromise(this.shared.getSlice(start, stop))
  }

  /** `a[start:stop] = values`: `values` must be as long as the slice. */
  setSlice(
    start: number | null | undefined,
    stop: number | null | undefined,
    values: ReadonlyArray<Input<T>> | (T extends "c" ? string : never)
  ): Promise<void> {
    return runPromise(this.shared.setSlice(start, stop, values))
  }

  /** `a[:]`. */
  toArray(): Promise<Item<T>[]> {
    return runPromise(this.shared.toArray)
  }

  /**
   * Python's `a[i]`, read at once in shared memory (as `value` is for a
   * Value); throws IndexError, ValueError, or SyncUnsupportedError for an
   * Array served over a socket (no addon, a Manager's): use `getItem` there.
   */
  getItemSync(index: number): Item<T> {
    return this.shared.getItemSync(index)
  }

  /** Python's `a[i] = v`, written at once in shared memory; throws as `getItemSync`. */
  setItemSync(index: number, value: Input<T>): void {
    this.shared.setItemSync(index, value)
  }

  /** Python's `a[start:stop]` at once (item by item: hold the lock for a consistent one); throws as `getItemSync`. */
  getSliceSync(start?: number | null, stop?: number | null): Item<T>[] {
    return this.shared.getSliceSync(start, stop)
  }

  /** Python's `a[start:stop] = values` at once; throws as `getItemSync`. */
  setSliceSync(
    start: number | null | undefined,
    stop: number | null | undefined,
    values: ReadonlyArray<Input<T>> | (T extends "c" ? string : never)
  ): void {
    this.shared.setSliceSync(start, stop, values)
  }

  /** Python's `a[:]` at once; throws as `getItemSync`. */
  toArraySync(): Item<T>[] {
    return this.shared.toArraySync()
  }
}

/** Python's `lock=` as the Effect face takes it: a compat lock's Effect lock; anything else as itself, for its ValueError. */
const options = (lock: SharedOptions["lock"]): EffectShared.Options | undefined =>
  lock === undefined
    ? undefined
    : { lock: typeof lock === "object" && lock !== null ? (lock as unknown as Record<symbol, EffectShared.Options["lock"]>)[CompatWrapsKey] ?? lock as never : lock }

/** The compat lock given, if one was (checked by then). */
const given = (lock: SharedOptions["lock"]): CompatLock | undefined => (typeof lock === "object" ? lock : undefined)

type Initializer<T extends Typecode> = number | ReadonlyArray<Input<T>> | (T extends "c" ? string : never)

type Make<H> = Effect.Effect<H, unknown, Scope.Scope | Multiprocessing>

/** Python's `Value(typecode, initial)`: one item (zero by default), with a lock unless `lock: false`. Throws ValueError on bad input. */
const makeValue = <T extends Typecode>(typecode: T, initial?: Input<T>, opts?: SharedOptions): SharedValue<T> =>
  new SharedValue(scoped(EffectShared.makeValue(typecode, initial, options(opts?.lock)) as Make<EffectShared.SharedValue<T>>), given(opts?.lock))

/** Python's `Array(typecode, size_or_initializer)`: `size` zeros or the items given (a string for 'c'), with a lock unless `lock: false`. */
const makeArray = <T extends Typecode>(typecode: T, sizeOrInitializer: Initializer<T>, opts?: SharedOptions): SharedArray<T> =>
  new SharedArray(scoped(EffectShared.makeArray(typecode, sizeOrInitializer, options(opts?.lock))), given(opts?.lock))

/** Python's `RawValue(typecode, initial)`: a Value without a lock. */
const makeRawValue = <T extends Typecode>(typecode: T, initial?: Input<T>): SharedValue<T> =>
  new SharedValue(scoped(EffectShared.makeRawValue(typecode, initial)))

/** Python's `RawArray(typecode, size_or_initializer)`: an Array without a lock. */
const makeRawArray = <T extends Typecode>(typecode: T, sizeOrInitializer: Initializer<T>): SharedArray<T> =>
  new SharedArray(scoped(EffectShared.makeRawArray(typecode, sizeOrInitializer)))

// Python's names. The type `Array` below shadows the global one in this module: write `T[]` here.
export { makeArray as Array, makeRawArray as RawArray, makeRawValue as RawValue, makeValue as Value }

/** What `Value(...)` and `RawValue(...)` give, by the name Python's users write: `let counter: Value<"i">`. */
export type Value<T extends Typecode = Typecode> = SharedValue<T>
/** What `RawValue(...)` gives (see `Value`). */
export type RawValue<T extends Typecode = Typecode> = SharedValue<T>
/** What `Array(...)` gives: `let samples: Array<"d">` (importing it shadows the global `Array` type in that module). */
export type Array<T extends Typecode = Typecode> = SharedArray<T>
/** What `RawArray(...)` gives (see `Array`). */
export type RawArray<T extends Typecode = Typecode> = SharedArray<T>

/** The compat object around an Effect-face object that arrived (a child's arguments). */
export const wrapSharedValue = (shared: EffectShared.SharedValue | EffectShared.SharedArray): SharedValue | SharedArray =>
  EffectShared.isSharedArray(shared)
    ? new SharedArray({ value: shared, close: () => {} })
    : new SharedValue({ value: shared, close: () => {} })

registerWrapper("SharedValue", wrapSharedValue)
