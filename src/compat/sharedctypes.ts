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
import { Either } from "effect"
import { ValueError } from "../Errors.js"
import { processCaller } from "../internal/served/backend.js"
import * as ResourceServer from "../internal/served/server.js"
import type { Input, Item, Typecode } from "../internal/sharedValue/sharedValue.js"
import {
  ArrayHandle,
  type LockOption,
  makeLocalArray,
  makeLocalValue,
  type Made,
  type SharedValueHandle,
  ValueHandle
} from "../internal/sharedValue/sharedValueHandle.js"
import type { SemLockHandle } from "../internal/lock/semLockHandle.js"
import { CompatWrapsKey, registerWrapper, runPromise } from "./runtime.js"
import { type Lock, type RLock, wrapSemLock } from "./synchronize.js"

export type { Input, Item, Typecode }

export interface SharedOptions {
  /** true (the default) makes an RLock for it, false makes it raw, or a Lock or RLock made by this process guards it. */
  readonly lock?: boolean | Lock | RLock
}

type CompatLock = ReturnType<typeof wrapSemLock>

class Shared<T extends Typecode, H extends ValueHandle<T> | ArrayHandle<T>> {
  readonly #handle: H
  /** What this process serves for it (its own lock included): nothing for a proxy. */
  readonly #served: ReadonlyArray<string>
  #lock: CompatLock | undefined

  /**
   * @internal `served` are the ids to stop serving on `close`; `lock` the compat
   * lock it was given, which `getLock` gives back (as Python's does)
   */
  constructor(handle: H, served: ReadonlyArray<string> = [], lock?: CompatLock) {
    this.#handle = handle
    this.#served = served
    this.#lock = lock
  }

  protected get handle(): H {
    return this.#handle
  }

  /** @internal what travels when this is a Process argument */
  get [CompatWrapsKey](): H {
    return this.#handle
  }

  get typecode(): T {
    return this.#handle.typecode
  }

  /** Python's `get_lock()`; rejects with ValueError for a Raw one. */
  async getLock(): Promise<CompatLock> {
    if (this.#lock !== undefined) return this.#lock
    const lock = await runPromise(this.#handle.unsafeGetLock(processCaller()))
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
    this.#served.forEach(ResourceServer.unregister)
  }

  [Symbol.dispose](): void {
    this.close()
  }

  /** Python's `with value.get_lock():` — runs `body` holding the lock, and releases it however `body` ends. */
  async withLock<R>(body: () => R | Promise<R>): Promise<R> {
    return (await this.getLock()).withLock(body)
  }
}

/** A Value or RawValue: one item of its typecode (Python's `.value` is `get()` / `set(v)`). */
export class SharedValue<T extends Typecode = Typecode> extends Shared<T, ValueHandle<T>> {
  get(): Promise<Item<T>> {
    return runPromise(this.handle.unsafeGet(processCaller()))
  }

  /** Wraps around at the typecode's width; rejects with ValueError for a value of the wrong type. */
  set(value: Input<T>): Promise<void> {
    return runPromise(this.handle.unsafeSet(processCaller(), value))
  }
}

/** An Array or RawArray: a fixed number of items, with Python's indexing and slicing. */
export class SharedArray<T extends Typecode = Typecode> extends Shared<T, ArrayHandle<T>> {
  get length(): number {
    return this.handle.length
  }

  /** `a[i]`: negative counts from the end; rejects with IndexError outside. */
  getItem(index: number): Promise<Item<T>> {
    return runPromise(this.handle.unsafeGetItem(processCaller(), index))
  }

  /** `a[i] = v`. */
  setItem(index: number, value: Input<T>): Promise<void> {
    return runPromise(this.handle.unsafeSetItem(processCaller(), index, value))
  }

  /** `a[start:stop]`: bounds clamp as Python's do; a missing one is the start or end. */
  getSlice(start?: number | null, stop?: number | null): Promise<Array<Item<T>>> {
    return runPromise(this.handle.unsafeGetSlice(processCaller(), start, stop))
  }

  /** `a[start:stop] = values`: `values` must be as long as the slice. */
  setSlice(
    start: number | null | undefined,
    stop: number | null | undefined,
    values: ReadonlyArray<Input<T>> | (T extends "c" ? string : never)
  ): Promise<void> {
    return runPromise(this.handle.unsafeSetSlice(processCaller(), start, stop, values))
  }

  /** `a[:]`. */
  toArray(): Promise<Array<Item<T>>> {
    return runPromise(this.handle.unsafeToArray(processCaller()))
  }
}

// Anything but a compat lock goes on as itself, for the ValueError it deserves.
const lockOption = (lock: SharedOptions["lock"]): LockOption | undefined =>
  typeof lock === "object" && lock !== null
    ? ((lock as unknown as Record<symbol, SemLockHandle | undefined>)[CompatWrapsKey] ?? (lock as unknown as SemLockHandle))
    : lock

const made = <H>(result: Either.Either<Made<H>, ValueError>): Made<H> => {
  if (Either.isLeft(result)) throw result.left
  return result.right
}

/** The compat lock given, if one was (checked by then). */
const given = (lock: SharedOptions["lock"]): CompatLock | undefined => (typeof lock === "object" ? lock : undefined)

type Initializer<T extends Typecode> = number | ReadonlyArray<Input<T>> | (T extends "c" ? string : never)

/** Python's `Value(typecode, initial)`: one item (zero by default), with a lock unless `lock: false`. Throws ValueError on bad input. */
const makeValue = <T extends Typecode>(typecode: T, initial?: Input<T>, options?: SharedOptions): SharedValue<T> => {
  const { handle, ids } = made(makeLocalValue(typecode, initial, { raw: false, lock: lockOption(options?.lock) }))
  return new SharedValue(handle, ids, given(options?.lock))
}

/** Python's `Array(typecode, size_or_initializer)`: `size` zeros or the items given (a string for 'c'), with a lock unless `lock: false`. */
const makeArray = <T extends Typecode>(typecode: T, sizeOrInitializer: Initializer<T>, options?: SharedOptions): SharedArray<T> => {
  const { handle, ids } = made(makeLocalArray(typecode, sizeOrInitializer, { raw: false, lock: lockOption(options?.lock) }))
  return new SharedArray(handle, ids, given(options?.lock))
}

/** Python's `RawValue(typecode, initial)`: a Value without a lock. */
const makeRawValue = <T extends Typecode>(typecode: T, initial?: Input<T>): SharedValue<T> => {
  const { handle, ids } = made(makeLocalValue(typecode, initial, { raw: true }))
  return new SharedValue(handle, ids)
}

/** Python's `RawArray(typecode, size_or_initializer)`: an Array without a lock. */
const makeRawArray = <T extends Typecode>(typecode: T, sizeOrInitializer: Initializer<T>): SharedArray<T> => {
  const { handle, ids } = made(makeLocalArray(typecode, sizeOrInitializer, { raw: true }))
  return new SharedArray(handle, ids)
}

// Python's names; `Array` is not declared here, so this module keeps the global one.
export { makeArray as Array, makeRawArray as RawArray, makeRawValue as RawValue, makeValue as Value }

/** @internal a compat object around an Effect-face handle, for a child's arguments */
export const wrapSharedValue = (handle: SharedValueHandle): SharedValue | SharedArray =>
  handle instanceof ArrayHandle ? new SharedArray(handle) : new SharedValue(handle)

registerWrapper("SharedValue", wrapSharedValue)
