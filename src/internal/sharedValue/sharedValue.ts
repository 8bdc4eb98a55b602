/**
 * Value, Array, RawValue and RawArray: the owner keeps the cells (cells.ts)
 * and serves them by the tables below; every holder's operations are calls
 * to it (see served/definition.ts).
 *
 * What a proxy knows without asking (typecode, an Array's length, whether it
 * has a lock) travels in its Reference's kind (see cells.ts); its lock is
 * fetched from the owner on the first `getLock`.
 */
import { servedSync } from "../lock/holding.js"
import { Effect, Either, Exit, type Scope } from "effect"
import { type OwnerGoneError, ValueError } from "../../Errors.js"
import type { Lock } from "../../Lock.js"
import type * as Public from "../../SharedValue.js"
import { operation } from "../faces.js"
import { type AnyLock, isAnyLock, makeLocal as makeLocalLock } from "../lock/lock.js"
import { type Backend, PrimitiveTypeId, type Reference, remote, scopedServed } from "../served/backend.js"
import { type Definition, type Operation, serveLocal, SharedObject } from "../served/definition.js"
import { registerRevival, revivePrimitive } from "../served/revive.js"
import { servedKind } from "../served/throughOwner.js"
import { SHM_ID_PREFIX } from "../native/segmentIds.js"
import { currentIdentity } from "../thisProcess/currentProcess.js"
import { SharedMemoryLock } from "../lock/sharedMemoryLock.js"
import { canCreate } from "../native/segment.js"
import * as Shm from "./sharedMemoryValue.js"
import { checkTypecode, formatKind, hasLock, type Input, type Item, parseKind, type Shape, SharedCells, type Typecode } from "./cells.js"

interface State {
  readonly kind: string
  readonly cells: SharedCells
  /** The Reference of its lock, null for a Raw one. */
  readonly lockReference: () => Reference | null
}

const lockReference: Operation<State> = { run: (state) => Exit.succeed(state.lockReference()) }

const valueDefinition: Definition<State> = {
  kind: (state) => state.kind,
  operations: {
    get: { run: (state) => state.cells.getItem(0) },
    set: { run: (state, [value]) => state.cells.setItem(0, value) },
    lockReference
  }
}

const arrayDefinition: Definition<State> = {
  kind: (state) => state.kind,
  operations: {
    getItem: { run: (state, [index]) => state.cells.getItem(index) },
    setItem: { run: (state, [index, value]) => state.cells.setItem(index, value) },
    getSlice: { run: (state, [start, stop]) => state.cells.getSlice(start, stop) },
    setSlice: { run: (state, [start, stop, values]) => state.cells.setSlice(start, stop, values) },
    toArray: { run: (state) => Exit.succeed(state.cells.toArray()) },
    lockReference
  }
}

abstract class SharedHandle<T extends Typecode> extends SharedObject implements Public.Shared<T> {
  #lock: AnyLock | undefined

  constructor(
    backend: Backend,
    definition: Definition<State>,
    readonly typecode: T,
    readonly hasLock: boolean,
    lock?: AnyLock
  ) {
    super(backend, definition.operations)
    this.#lock = lock
  }

  get lock(): Lock | undefined {
    return this.#lock
  }

  readonly getLock: Effect.Effect<Lock, ValueError | OwnerGoneError> = operation((): Effect.Effect<Lock, ValueError | OwnerGoneError> => {
    if (this.#lock !== undefined) return Exit.succeed(this.#lock)
    if (!this.hasLock) return Exit.fail(new ValueError({ message: "a raw shared value has no lock" }))
    return Effect.map(
      this.call<Reference, OwnerGoneError>("lockReference"),
      (reference) => (this.#lock ??= revivePrimitive(reference, "effect") as AnyLock)
    )
  })

  getObj(): this {
    return this
  }

  withLock<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | ValueError | OwnerGoneError, R> {
    return Effect.flatMap(this.getLock, (lock) => lock.withLock(self))
  }

  withLockSync<A>(_body: () => A): A {
    throw servedSync("shared value", "withLockSync")
  }
}

export class ValueHandle<T extends Typecode = Typecode> extends SharedHandle<T> implements Public.SharedValue<T> {
  constructor(backend: Backend, typecode: T, hasLock: boolean, lock?: AnyLock) {
    super(backend, valueDefinition, typecode, hasLock, lock)
  }

  readonly get = this.op<Item<T>, OwnerGoneError>("get")
  getSync(): Item<T> {
    throw servedSync("Value", "getSync")
  }
  setSync(_value: Input<T>): void {
    throw servedSync("Value", "setSync")
  }
  set(value: Input<T>): Effect.Effect<void, ValueError | OwnerGoneError> {
    return this.op("set", [value])
  }
}

export class ArrayHandle<T extends Typecode = Typecode> extends SharedHandle<T> implements Public.SharedArray<T> {
  constructor(backend: Backend, typecode: T, readonly length: number, hasLock: boolean, lock?: AnyLock) {
    super(backend, arrayDefinition, typecode, hasLock, lock)
  }

  getItem(index: number): Effect.Effect<Item<T>, Public.ItemError> {
    return this.op("getItem", [index])
  }
  setItem(index: number, value: Input<T>): Effect.Effect<void, Public.ItemError> {
    return this.op("setItem", [index, value])
  }
  getSlice(start?: number | null, stop?: number | null): Effect.Effect<Array<Item<T>>, ValueError | OwnerGoneError> {
    // null, not undefined: a missing bound must survive the codec as "none".
    return this.op("getSlice", [start ?? null, stop ?? null])
  }
  setSlice(
    start: number | null | undefined,
    stop: number | null | undefined,
    values: ReadonlyArray<Input<T>> | (T extends "c" ? string : never)
  ): Effect.Effect<void, ValueError | OwnerGoneError> {
    return this.op("setSlice", [start ?? null, stop ?? null, values])
  }
  readonly toArray = this.op<Array<Item<T>>, OwnerGoneError>("toArray")
  getItemSync(_index: number): Item<T> {
    throw servedSync("Array", "getItemSync")
  }
  setItemSync(_index: number, _value: Input<T>): void {
    throw servedSync("Array", "setItemSync")
  }
  getSliceSync(_start?: number | null, _stop?: number | null): Array<Item<T>> {
    throw servedSync("Array", "getSliceSync")
  }
  setSliceSync(_start: number | null | undefined, _stop: number | null | undefined, _values: unknown): void {
    throw servedSync("Array", "setSliceSync")
  }
  toArraySync(): Array<Item<T>> {
    throw servedSync("Array", "toArraySync")
  }
}

export const isSharedArray = (u: Public.SharedValue | Public.SharedArray): u is Public.SharedArray =>
  u instanceof ArrayHandle || u instanceof Shm.SharedMemoryArray

/** Python's `lock=`: true (the default) makes an RLock, false none, or a Lock/RLock this process made. */
const lockFor = (option: unknown): Either.Either<{ readonly lock: AnyLock | undefined; readonly id?: string }, ValueError> => {
  if (option === false) return Either.right({ lock: undefined })
  if (option === undefined || option === true) {
    const lock = makeLocalLock("RLock", 1)
    return Either.right({ lock, id: lock[PrimitiveTypeId].id })
  }
  if (!isAnyLock(option)) {
    return Either.left(new ValueError({ message: "lock must be true, false, or a Lock or RLock" }))
  }
  // The owner answers for the lock ("lockReference"), so it must be its own.
  return option[PrimitiveTypeId].isLocal
    ? Either.right({ lock: option })
    : Either.left(new ValueError({ message: "the lock of a shared value must be made by the process that makes the value" }))
}

/**
 * A Value or Array usable while the Scope is open (with the lock made for
 * it): in shared memory when the addon is loaded and its lock is in shared
 * memory too, else served by this process.
 */
const make = <H>(
  shape: Shape,
  typecode: unknown,
  sizeOrInitializer: unknown,
  lockOption: unknown,
  build: (backend: Backend, typecode: Typecode, length: number, lock: AnyLock | undefined) => H
): Effect.Effect<H, ValueError, Scope.Scope> =>
  scopedServed(Effect.suspend(() =>
    Either.gen(function*() {
      const code = yield* checkTypecode(typecode)
      const inSharedMemory = canCreate() && (lockOption === undefined || typeof lockOption === "boolean" || lockOption instanceof SharedMemoryLock)
      const made = inSharedMemory ? Shm.makeCells(code, sizeOrInitializer) : undefined
      const cells = yield* (made?.cells ?? SharedCells.make(code, sizeOrInitializer))
      // Checked after the cells, so bad input makes no lock.
      const { id: lockId, lock } = yield* lockFor(hasLock(shape) ? lockOption : false)
      if (made !== undefined) {
        const handle = Shm.holder({ shape, typecode: code, length: cells.length }, cells, lock as SharedMemoryLock | undefined, made.id(), currentIdentity().name)
        return { handle: handle as H, ids: lockId === undefined ? [made.id()] : [made.id(), lockId] }
      }
      const state: State = {
        kind: formatKind({ shape, typecode: code, length: cells.length }),
        cells,
        lockReference: () => lock?.[PrimitiveTypeId].reference() ?? null
      }
      const backend = serveLocal(shape === "Value" || shape === "RawValue" ? valueDefinition : arrayDefinition, state)
      return { handle: build(backend, code, cells.length, lock), ids: lockId === undefined ? [backend.id] : [backend.id, lockId] }
    })
  ))

/** A Value (unless `raw` or `lock` is false) or RawValue; `initial` defaults to zero. */
export const makeValue = <T extends Typecode>(typecode: T, initial: Input<T> | undefined, raw: boolean, lock?: unknown) =>
  make(
    raw || lock === false ? "RawValue" : "Value",
    typecode,
    initial === undefined ? 1 : [initial],
    raw ? false : lock,
    (backend, code, _, lock) => new ValueHandle(backend, code as T, lock !== undefined, lock)
  )

/** An Array (unless `raw` or `lock` is false) or RawArray. */
export const makeArray = <T extends Typecode>(typecode: T, sizeOrInitializer: unknown, raw: boolean, lock?: unknown) =>
  make(
    raw || lock === false ? "RawArray" : "Array",
    typecode,
    sizeOrInitializer,
    raw ? false : lock,
    (backend, code, length, lock) => new ArrayHandle(backend, code as T, length, lock !== undefined, lock)
  )

/**
 * A proxy of a Value, Array, RawValue or RawArray another process serves, from
 * its Reference's kind; also of one in shared memory that this process cannot
 * map, which its maker serves (served/throughOwner.ts): its kind names its
 * lock (";RLock;<id>"), which the same process serves.
 */
const revive = (reference: Reference): ValueHandle | ArrayHandle | undefined => {
  const [kind, lockKind, lockId] = (servedKind(reference) ?? "").split(";")
  const described = parseKind(kind)
  if (described === undefined) return undefined
  const backend = remote(reference)
  const { length, shape, typecode } = described
  const lock = lockId === undefined ? undefined : revivePrimitive({ ...reference, kind: `${SHM_ID_PREFIX}${lockKind}`, id: lockId }, "effect") as AnyLock
  return shape === "Value" || shape === "RawValue"
    ? new ValueHandle(backend, typecode, hasLock(shape), lock)
    : new ArrayHandle(backend, typecode, length, hasLock(shape), lock)
}

registerRevival("SharedValue", revive)
