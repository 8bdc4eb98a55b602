/**
 * Value, Array, RawValue and RawArray in shared memory: typed cells over a
 * segment every process that holds one maps (cells.ts, over a segment's
 * bytes), with a shared-memory lock beside it. Every operation runs in the
 * calling process at once: no owner, no socket, no fiber. An item is one
 * aligned load or store, atomic as a served item operation is; a slice or
 * `toArray` reads item by item, so one that must not interleave with other
 * processes' writes runs under the lock, as any read-modify-write.
 *
 * It travels as a reference of its own kind: "shm:" and the served kind
 * ("shm:Value:i", "shm:Array:d:10"), then its lock's kind and id
 * (";RLock;shm:/emp-…"); its id names its segment. A process that cannot map
 * it is served by its maker, by the served Value's or Array's table
 * (sharedValue.ts) run on the maker's mapping (`servedDefinition`, see
 * served/throughOwner.ts); the maker serves its lock to it too.
 */
import { Cause, Effect, Exit } from "effect"
import { type OwnerGoneError, ValueError } from "../../Errors.js"
import type { Lock } from "../../Lock.js"
import type * as Public from "../../SharedValue.js"
import { operation } from "../faces.js"
import { type Backend, type Primitive, PrimitiveTypeId, type Reference } from "../served/backend.js"
import type { Definition, Operation } from "../served/definition.js"
import { registerRevival } from "../served/revive.js"
import { mapped, servedAt, servedHere, startNow } from "../served/throughOwner.js"
import { type Described, formatKind, hasLock, type Input, type Item, parseKind, SharedCells, type Typecode } from "./cells.js"
import * as SharedMemoryLock from "../lock/sharedMemoryLock.js"
import { create, goneError, makerPid } from "../native/segment.js"
import { segmentOf, SHM_ID_PREFIX } from "../native/segmentIds.js"

/** New cells of `typecode` in a segment of their own (see cells.ts `make`); the segment's name comes with them. */
export const makeCells = <T extends Typecode>(typecode: T, sizeOrInitializer: unknown) => {
  let name = ""
  const cells = SharedCells.make(typecode, sizeOrInitializer, (bytes) => {
    const segment = create(bytes)
    name = segment.name
    return segment.words
  })
  return { cells, id: () => SHM_ID_PREFIX + name }
}

abstract class SharedMemoryShared<T extends Typecode> implements Public.Shared<T>, Primitive {
  readonly [PrimitiveTypeId]: Backend

  constructor(
    /** What it is, as its kind says. */
    readonly described: Described,
    readonly typecode: T,
    /** Undefined when its segment could not be mapped where it arrived. */
    protected readonly cells: SharedCells<T> | undefined,
    readonly lock: SharedMemoryLock.SharedMemoryLock | undefined,
    id: string,
    ownerName: string,
    /** The reference it arrived as (its maker's); none in its maker. */
    arrival?: Reference
  ) {
    const lockPart = lock === undefined ? "" : `;${lock.kind};${lock[PrimitiveTypeId].id}`
    const reference = (): Reference =>
      arrival ?? {
        kind: `${SHM_ID_PREFIX}${formatKind(described)}${lockPart}`,
        id,
        // Its lock is reached where it is, by a process that cannot map them.
        address: (lock?.servedAt(), servedAt(id, servedDefinition(described.shape), this as SharedMemoryShared<Typecode>)),
        ownerPid: makerPid(segmentOf(id)),
        ownerName
      }
    const refused = () => Exit.fail(this.gone())
    this[PrimitiveTypeId] = { id, isLocal: true, reference, call: refused, post: refused }
  }

  get hasLock(): boolean {
    return this.lock !== undefined
  }

  protected gone(): OwnerGoneError {
    const reference = this[PrimitiveTypeId].reference()
    return goneError(reference.kind.slice(SHM_ID_PREFIX.length).split(":")[0], segmentOf(reference.id), reference.ownerName)
  }

  /** The cells, for a blocking form: throws OwnerGoneError without them. */
  protected cellsHere(): SharedCells<T> {
    if (this.cells === undefined) throw this.gone()
    return this.cells
  }

  /** `f` of the cells, or OwnerGoneError without them. */
  protected on<A, E>(f: (cells: SharedCells<T>) => Exit.Exit<A, E>): Effect.Effect<A, E | OwnerGoneError> {
    return operation((): Effect.Effect<A, E | OwnerGoneError> => (this.cells === undefined ? Exit.fail(this.gone()) : f(this.cells)))
  }

  readonly getLock: Effect.Effect<Lock, ValueError | OwnerGoneError> = operation(() =>
    this.lock === undefined ? Exit.fail(new ValueError({ message: "a raw shared value has no lock" })) : Exit.succeed(this.lock))

  getObj(): this {
    return this
  }

  withLock<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | ValueError | OwnerGoneError, R> {
    return Effect.flatMap(this.getLock, (lock) => lock.withLock(self))
  }

  withLockSync<A>(body: () => A): A {
    if (this.lock === undefined) throw new ValueError({ message: "a raw shared value has no lock" })
    return this.lock.withLockSync(body)
  }
}

export class SharedMemoryValue<T extends Typecode = Typecode> extends SharedMemoryShared<T> implements Public.SharedValue<T> {
  readonly get: Effect.Effect<Item<T>, OwnerGoneError> = this.on((cells) => cells.getItem(0) as Exit.Exit<Item<T>>)
  set(value: Input<T>): Effect.Effect<void, ValueError | OwnerGoneError> {
    return this.on((cells) => cells.setItem(0, value) as Exit.Exit<void, ValueError>)
  }
  getSync(): Item<T> {
    return this.cellsHere().itemAt(0)
  }
  setSync(value: Input<T>): void {
    const refused = this.cellsHere().writeAt(0, value)
    if (refused !== undefined) throw refused
  }
}

export class SharedMemoryArray<T extends Typecode = Typecode> extends SharedMemoryShared<T> implements Public.SharedArray<T> {
  constructor(
    described: Described,
    typecode: T,
    cells: SharedCells<T> | undefined,
    lock: SharedMemoryLock.SharedMemoryLock | undefined,
    id: string,
    ownerName: string,
    arrival?: Reference
  ) {
    super(described, typecode, cells, lock, id, ownerName, arrival)
    this.length = described.length
  }

  readonly length: number
  getItem(index: number): Effect.Effect<Item<T>, Public.ItemError> {
    return this.on((cells) => cells.getItem(index))
  }
  setItem(index: number, value: Input<T>): Effect.Effect<void, Public.ItemError> {
    return this.on((cells) => cells.setItem(index, value))
  }
  getSlice(start?: number | null, stop?: number | null): Effect.Effect<Array<Item<T>>, ValueError | OwnerGoneError> {
    return this.on((cells) => cells.getSlice(start, stop))
  }
  setSlice(
    start: number | null | undefined,
    stop: number | null | undefined,
    values: ReadonlyArray<Input<T>> | (T extends "c" ? string : never)
  ): Effect.Effect<void, ValueError | OwnerGoneError> {
    return this.on((cells) => cells.setSlice(start, stop, values))
  }
  readonly toArray: Effect.Effect<Array<Item<T>>, OwnerGoneError> = this.on((cells) => Exit.succeed(cells.toArray()))
  getItemSync(index: number): Item<T> {
    return this.cellsHere().getItemSync(index)
  }
  setItemSync(index: number, value: Input<T>): void {
    this.cellsHere().setItemSync(index, value)
  }
  getSliceSync(start?: number | null, stop?: number | null): Array<Item<T>> {
    return valueOrThrow(this.cellsHere().getSlice(start, stop))
  }
  setSliceSync(
    start: number | null | undefined,
    stop: number | null | undefined,
    values: ReadonlyArray<Input<T>> | (T extends "c" ? string : never)
  ): void {
    valueOrThrow(this.cellsHere().setSlice(start, stop, values))
  }
  toArraySync(): Array<Item<T>> {
    return this.cellsHere().toArray()
  }
}

/** What an Exit of the cells succeeded with; its error thrown otherwise (the blocking forms). */
const valueOrThrow = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (Exit.isSuccess(exit)) return exit.value
  throw Cause.squash(exit.cause)
}

/** The holder of new cells made by `makeCells` (or of cells that arrived as `arrival`). */
export const holder = (
  described: Described,
  cells: SharedCells | undefined,
  lock: SharedMemoryLock.SharedMemoryLock | undefined,
  id: string,
  ownerName: string,
  arrival?: Reference
): SharedMemoryValue | SharedMemoryArray =>
  described.shape === "Value" || described.shape === "RawValue"
    ? new SharedMemoryValue(described, described.typecode, cells, lock, id, ownerName, arrival)
    : new SharedMemoryArray(described, described.typecode, cells, lock, id, ownerName, arrival)

type AnyShared = SharedMemoryShared<Typecode>

/** Its lock's reference, for a proxy's `getLock`; null for a raw one. */
const lockReference: Operation<AnyShared> = { run: (shared) => Exit.succeed(shared.lock?.[PrimitiveTypeId].reference() ?? null) }

const valueOperations: Definition<AnyShared>["operations"] = {
  get: { run: (shared) => startNow((shared as SharedMemoryValue).get) },
  set: { run: (shared, [value]) => startNow((shared as SharedMemoryValue).set(value as never)) },
  lockReference
}

const arrayOperations: Definition<AnyShared>["operations"] = {
  getItem: { run: (shared, [index]) => startNow((shared as SharedMemoryArray).getItem(index as number)) },
  setItem: { run: (shared, [index, value]) => startNow((shared as SharedMemoryArray).setItem(index as number, value as never)) },
  getSlice: { run: (shared, [start, stop]) => startNow((shared as SharedMemoryArray).getSlice(start as number | null, stop as number | null)) },
  setSlice: {
    run: (shared, [start, stop, values]) =>
      startNow((shared as SharedMemoryArray).setSlice(start as number | null, stop as number | null, values as ReadonlyArray<never>))
  },
  toArray: { run: (shared) => startNow((shared as SharedMemoryArray).toArray) },
  lockReference
}

const servedDefinitions = {
  value: { kind: (shared: AnyShared) => formatKind(shared.described), operations: valueOperations },
  array: { kind: (shared: AnyShared) => formatKind(shared.described), operations: arrayOperations }
} satisfies Record<string, Definition<AnyShared>>

/** The served Value's or Array's table (sharedValue.ts), for the processes that cannot map it: run on this process's mapping. */
const servedDefinition = (shape: Described["shape"]): Definition<AnyShared> =>
  shape === "Value" || shape === "RawValue" ? servedDefinitions.value : servedDefinitions.array

/** A Value or Array that arrived: its cells mapped here, its lock too; one this process cannot map is the served one's proxy (sharedValue.ts). */
const revive = (reference: Reference): SharedMemoryValue | SharedMemoryArray | undefined => {
  if (!reference.kind.startsWith(SHM_ID_PREFIX) || servedHere(reference)) return undefined
  const [kind, lockKind, lockId] = reference.kind.slice(SHM_ID_PREFIX.length).split(";")
  const described = parseKind(kind)
  if (described === undefined) return undefined
  const segment = mapped(reference.id)
  const cells = segment === undefined ? undefined : SharedCells.over(described.typecode, segment.words, described.length)
  const lock = hasLock(described.shape) && lockId !== undefined
    ? SharedMemoryLock.revive(lockKind as SharedMemoryLock.SharedMemoryLock["kind"], { ...reference, kind: `${SHM_ID_PREFIX}${lockKind}`, id: lockId })
    : undefined
  return holder(described, cells, lock, reference.id, reference.ownerName, reference)
}

registerRevival("SharedValue", revive)
