/**
 * The objects every process holds for a Value, Array, RawValue or RawArray:
 * the owner's wraps the SharedCells itself, another process's reaches it
 * through the owner's channel. Both run the same operations.
 *
 * What a proxy knows without asking (typecode, an Array's length, whether it
 * has a lock) travels in its Reference's kind (see sharedValue.ts); its lock
 * is fetched from the owner on the first `getLock`.
 */
import { Effect, Either } from "effect"
import { type IndexError, type OwnerGoneError, ValueError } from "../../Errors.js"
import { type Backend, fiberCaller, local, type Primitive, PrimitiveTypeId, type Reference, remote } from "../served/backend.js"
import {
  checkTypecode,
  hasLock,
  type Input,
  type Item,
  parseKind,
  serve,
  type Shape,
  SharedCells,
  type Typecode
} from "./sharedValue.js"
import { registerRevival } from "../served/revive.js"
import { makeLocal as makeLocalLock, SemLockHandle } from "../lock/semLockHandle.js"

export type { Input, Item, Typecode }

/** Python's `lock=`: true (the default) makes an RLock, false none, or a Lock/RLock this process made. */
export type LockOption = boolean | SemLockHandle

class SharedHandle<T extends Typecode> implements Primitive {
  readonly [PrimitiveTypeId]: Backend
  #lock: SemLockHandle | undefined

  constructor(
    backend: Backend,
    readonly typecode: T,
    /** False for a RawValue or RawArray. */
    readonly hasLock: boolean,
    lock?: SemLockHandle
  ) {
    this[PrimitiveTypeId] = backend
    this.#lock = lock
  }

  protected get backend(): Backend {
    return this[PrimitiveTypeId]
  }

  /** Its lock when known: always for the owner's; for a proxy, once `getLock` has fetched it. */
  get lock(): SemLockHandle | undefined {
    return this.#lock
  }

  unsafeGetLock(caller: string): Effect.Effect<SemLockHandle, ValueError | OwnerGoneError> {
    if (this.#lock !== undefined) return Effect.succeed(this.#lock)
    if (!this.hasLock) return Effect.fail(new ValueError({ message: "a raw shared value has no lock" }))
    return Effect.map(
      this.backend.call("lockReference", [], caller) as Effect.Effect<Reference, OwnerGoneError>,
      (reference) => (this.#lock ??= new SemLockHandle(remote(reference), reference.kind as SemLockHandle["kind"]))
    )
  }

  /** Python's `get_lock()`: the lock that guards it; fails with ValueError for a Raw one. */
  get getLock(): Effect.Effect<SemLockHandle, ValueError | OwnerGoneError> {
    return fiberCaller((caller) => this.unsafeGetLock(caller))
  }

  /** Python's `get_obj()`: the unsynchronized object — here the same handle, whose operations never take the lock. */
  getObj(): this {
    return this
  }

  /** Runs `self` holding its lock (Python's `with value.get_lock():`); fails with ValueError for a Raw one. */
  withLock<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | ValueError | OwnerGoneError, R> {
    return Effect.flatMap(this.getLock, (lock) => lock.withLock(self))
  }
}

/** A Value or RawValue: one item of its typecode. */
export class ValueHandle<T extends Typecode = Typecode> extends SharedHandle<T> {
  unsafeGet(caller: string): Effect.Effect<Item<T>, OwnerGoneError> {
    return this.backend.call("get", [], caller) as Effect.Effect<Item<T>, OwnerGoneError>
  }

  unsafeSet(caller: string, value: Input<T>): Effect.Effect<void, ValueError | OwnerGoneError> {
    return this.backend.call("set", [value], caller) as Effect.Effect<void, ValueError | OwnerGoneError>
  }

  /** Python's `value.value`. */
  get get(): Effect.Effect<Item<T>, OwnerGoneError> {
    return fiberCaller((caller) => this.unsafeGet(caller))
  }

  /** Python's `value.value = v`: wraps around at the typecode's width; ValueError for a value of the wrong type. */
  set(value: Input<T>): Effect.Effect<void, ValueError | OwnerGoneError> {
    return fiberCaller((caller) => this.unsafeSet(caller, value))
  }
}

export type ItemError = ValueError | IndexError | OwnerGoneError

/** An Array or RawArray: a fixed number of items of its typecode. */
export class ArrayHandle<T extends Typecode = Typecode> extends SharedHandle<T> {
  constructor(backend: Backend, typecode: T, readonly length: number, hasLock: boolean, lock?: SemLockHandle) {
    super(backend, typecode, hasLock, lock)
  }

  unsafeGetItem(caller: string, index: number): Effect.Effect<Item<T>, ItemError> {
    return this.backend.call("getItem", [index], caller) as Effect.Effect<Item<T>, ItemError>
  }

  unsafeSetItem(caller: string, index: number, value: Input<T>): Effect.Effect<void, ItemError> {
    return this.backend.call("setItem", [index, value], caller) as Effect.Effect<void, ItemError>
  }

  unsafeGetSlice(caller: string, start?: number | null, stop?: number | null): Effect.Effect<Array<Item<T>>, ValueError | OwnerGoneError> {
    // null, not undefined: a missing bound must survive the codec as "none".
    return this.backend.call("getSlice", [start ?? null, stop ?? null], caller) as Effect.Effect<
      Array<Item<T>>,
      ValueError | OwnerGoneError
    >
  }

  unsafeSetSlice(
    caller: string,
    start: number | null | undefined,
    stop: number | null | undefined,
    values: ReadonlyArray<Input<T>> | (T extends "c" ? string : never)
  ): Effect.Effect<void, ValueError | OwnerGoneError> {
    return this.backend.call("setSlice", [start ?? null, stop ?? null, values], caller) as Effect.Effect<
      void,
      ValueError | OwnerGoneError
    >
  }

  unsafeToArray(caller: string): Effect.Effect<Array<Item<T>>, OwnerGoneError> {
    return this.backend.call("toArray", [], caller) as Effect.Effect<Array<Item<T>>, OwnerGoneError>
  }

  /** Python's `a[i]`: negative counts from the end; IndexError outside. */
  getItem(index: number): Effect.Effect<Item<T>, ItemError> {
    return fiberCaller((caller) => this.unsafeGetItem(caller, index))
  }

  /** Python's `a[i] = v`. */
  setItem(index: number, value: Input<T>): Effect.Effect<void, ItemError> {
    return fiberCaller((caller) => this.unsafeSetItem(caller, index, value))
  }

  /** Python's `a[start:stop]`: bounds clamp as Python's do; a missing one is the start or end. */
  getSlice(start?: number | null, stop?: number | null): Effect.Effect<Array<Item<T>>, ValueError | OwnerGoneError> {
    return fiberCaller((caller) => this.unsafeGetSlice(caller, start, stop))
  }

  /** Python's `a[start:stop] = values`: `values` must be as long as the slice (a shared array never resizes). */
  setSlice(
    start: number | null | undefined,
    stop: number | null | undefined,
    values: ReadonlyArray<Input<T>> | (T extends "c" ? string : never)
  ): Effect.Effect<void, ValueError | OwnerGoneError> {
    return fiberCaller((caller) => this.unsafeSetSlice(caller, start, stop, values))
  }

  /** Every item (Python's `a[:]`). */
  get toArray(): Effect.Effect<Array<Item<T>>, OwnerGoneError> {
    return fiberCaller((caller) => this.unsafeToArray(caller))
  }
}

export type SharedValueHandle = ValueHandle | ArrayHandle

/** The owner's side: the handle, and the ids to unregister when it is done with (its own lock's included). */
export interface Made<H> {
  readonly handle: H
  readonly ids: ReadonlyArray<string>
}

const lockFor = (option: LockOption | undefined): Either.Either<
  { readonly lock: SemLockHandle | undefined; readonly id?: string },
  ValueError
> => {
  if (option === false) return Either.right({ lock: undefined })
  if (option === undefined || option === true) {
    const { backend } = makeLocalLock("RLock", 1)
    return Either.right({ lock: new SemLockHandle(backend, "RLock"), id: backend.id })
  }
  if (!(option instanceof SemLockHandle)) {
    return Either.left(new ValueError({ message: "lock must be true, false, or a Lock or RLock" }))
  }
  // The owner answers for the lock ("lockReference"), so it must be its own.
  return option[PrimitiveTypeId].isLocal
    ? Either.right({ lock: option })
    : Either.left(new ValueError({ message: "the lock of a shared value must be made by the process that makes the value" }))
}

const makeLocal = <H>(
  shape: Shape,
  typecode: unknown,
  sizeOrInitializer: unknown,
  lockOption: LockOption | undefined,
  build: (backend: Backend, typecode: Typecode, length: number, lock: SemLockHandle | undefined) => H
): Either.Either<Made<H>, ValueError> =>
  Either.gen(function*() {
    const code = yield* checkTypecode(typecode)
    const core = yield* SharedCells.make(code, sizeOrInitializer)
    // Checked after the cells, so bad input makes no lock.
    const { id: lockId, lock } = yield* lockFor(hasLock(shape) ? lockOption : false)
    const backend = local(serve(shape, core, () => lock?.[PrimitiveTypeId].reference() ?? null))
    return { handle: build(backend, code, core.length, lock), ids: lockId === undefined ? [backend.id] : [backend.id, lockId] }
  })

/** A Value (`lock` not false) or RawValue this process serves; `initial` defaults to zero. */
export const makeLocalValue = <T extends Typecode>(
  typecode: T,
  initial: Input<T> | undefined,
  options: { readonly raw: boolean; readonly lock?: LockOption | undefined }
): Either.Either<Made<ValueHandle<T>>, ValueError> =>
  makeLocal(
    options.raw || options.lock === false ? "RawValue" : "Value",
    typecode,
    initial === undefined ? 1 : [initial],
    options.raw ? false : options.lock,
    (backend, code, _, lock) => new ValueHandle(backend, code as T, lock !== undefined, lock)
  )

/** An Array (`lock` not false) or RawArray this process serves. */
export const makeLocalArray = <T extends Typecode>(
  typecode: T,
  sizeOrInitializer: number | ReadonlyArray<Input<T>> | (T extends "c" ? string : never),
  options: { readonly raw: boolean; readonly lock?: LockOption | undefined }
): Either.Either<Made<ArrayHandle<T>>, ValueError> =>
  makeLocal(
    options.raw || options.lock === false ? "RawArray" : "Array",
    typecode,
    sizeOrInitializer,
    options.raw ? false : options.lock,
    (backend, code, length, lock) => new ArrayHandle(backend, code as T, length, lock !== undefined, lock)
  )

/** A proxy of a Value, Array, RawValue or RawArray another process serves, from its Reference's kind. */
const revive = (reference: Reference): SharedValueHandle | undefined => {
  const described = parseKind(reference.kind)
  if (described === undefined) return undefined
  const backend = remote(reference)
  const { length, shape, typecode } = described
  return shape === "Value" || shape === "RawValue"
    ? new ValueHandle(backend, typecode, hasLock(shape))
    : new ArrayHandle(backend, typecode, length, hasLock(shape))
}

registerRevival("SharedValue", revive)
