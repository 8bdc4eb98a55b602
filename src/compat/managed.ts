/**
 * The shared list, dict and Namespace a Manager hands out, for plain
 * TypeScript: Python's ListProxy, DictProxy and NamespaceProxy. Every operation
 * returns a Promise (it may talk to the owner; the owner's own settle without a
 * round trip); Python's dunder methods are named for what they do
 * (`l[i]` is `getItem(i)`, `len(l)` is `len()`, `x in l` is `contains(x)`).
 *
 * ```ts
 * await list.append(1)
 * for await (const item of list) console.log(item)
 * await dict.setItem("a", 1)
 * for await (const key of dict) console.log(key, await dict.getItem(key))
 * ```
 *
 * Iterating one (`for await`) takes a copy of it first, in one round trip.
 */
import {
  type DictEntries,
  DictHandle,
  type DictKey,
  ListHandle,
  type ManagedHandleOf,
  NamespaceHandle
} from "../internal/manager/managedObjects.js"
import { CompatWrapsKey, registerWrapper, runPromise } from "./runtime.js"

export type { DictEntries, DictKey }

/** Python's ListProxy. */
export class ListProxy<A = unknown> {
  readonly #handle: ListHandle<A>

  /** @internal a Manager or a child makes it around a handle */
  constructor(handle: ListHandle<A>) {
    this.#handle = handle
  }

  /** @internal what travels when this is a Process argument */
  get [CompatWrapsKey](): ListHandle<A> {
    return this.#handle
  }

  len(): Promise<number> {
    return runPromise(this.#handle.unsafeLen())
  }
  /** `l[i]`: negative counts from the end; rejects with IndexError outside. */
  getItem(index: number): Promise<A> {
    return runPromise(this.#handle.unsafeGetItem(index))
  }
  /** `l[i] = value`. */
  setItem(index: number, value: A): Promise<void> {
    return runPromise(this.#handle.unsafeSetItem(index, value))
  }
  /** `del l[i]`. */
  delItem(index: number): Promise<void> {
    return runPromise(this.#handle.unsafeDelItem(index))
  }
  /** `l[start:stop:step]` as a plain array; null or a missing bound is Python's None. */
  slice(start?: number | null, stop?: number | null, step?: number | null): Promise<Array<A>> {
    return runPromise(this.#handle.unsafeSlice(start, stop, step))
  }
  /** `l[start:stop] = values`. */
  setSlice(start: number | null | undefined, stop: number | null | undefined, values: ReadonlyArray<A>): Promise<void> {
    return runPromise(this.#handle.unsafeSetSlice(start, stop, values))
  }
  /** `del l[start:stop]`. */
  delSlice(start?: number | null, stop?: number | null): Promise<void> {
    return runPromise(this.#handle.unsafeDelSlice(start, stop))
  }
  append(value: A): Promise<void> {
    return runPromise(this.#handle.unsafeAppend(value))
  }
  extend(values: ReadonlyArray<A>): Promise<void> {
    return runPromise(this.#handle.unsafeExtend(values))
  }
  /** Removes and gives the item at `index` (the last by default); rejects with IndexError when empty or outside. */
  pop(index?: number): Promise<A> {
    return runPromise(this.#handle.unsafePop(index))
  }
  insert(index: number, value: A): Promise<void> {
    return runPromise(this.#handle.unsafeInsert(index, value))
  }
  /** Removes the first item equal to `value`; rejects with ValueError when there is none. */
  remove(value: A): Promise<void> {
    return runPromise(this.#handle.unsafeRemove(value))
  }
  reverse(): Promise<void> {
    return runPromise(this.#handle.unsafeReverse())
  }
  /** Python's `sort(reverse=False)`, without `key` (a function cannot travel); rejects with ValueError for items that do not compare. */
  sort(options?: { readonly reverse?: boolean }): Promise<void> {
    return runPromise(this.#handle.unsafeSort(options))
  }
  count(value: A): Promise<number> {
    return runPromise(this.#handle.unsafeCount(value))
  }
  /** The first position of `value` in `l[start:stop]`; rejects with ValueError when it is not there. */
  index(value: A, start?: number | null, stop?: number | null): Promise<number> {
    return runPromise(this.#handle.unsafeIndex(value, start, stop))
  }
  /** `value in l`. */
  contains(value: A): Promise<boolean> {
    return runPromise(this.#handle.unsafeContains(value))
  }
  /** Every item as a plain array (`list(l)`, `l[:]`). */
  toArray(): Promise<Array<A>> {
    return runPromise(this.#handle.unsafeToArray())
  }

  /** The items, as a copy taken when iteration starts. */
  async *[Symbol.asyncIterator](): AsyncIterator<A> {
    yield* await this.toArray()
  }
}

/** Python's DictProxy: insertion-ordered; keys are strings, numbers, bigints, booleans or null. */
export class DictProxy<K extends DictKey = DictKey, V = unknown> {
  readonly #handle: DictHandle<K, V>

  /** @internal a Manager or a child makes it around a handle */
  constructor(handle: DictHandle<K, V>) {
    this.#handle = handle
  }

  /** @internal what travels when this is a Process argument */
  get [CompatWrapsKey](): DictHandle<K, V> {
    return this.#handle
  }

  len(): Promise<number> {
    return runPromise(this.#handle.unsafeLen())
  }
  /** `d.get(key, default)`: the value, else `fallback`, else undefined (Python's None). */
  get(key: K): Promise<V | undefined>
  get<D>(key: K, fallback: D): Promise<V | D>
  get(key: K, ...fallback: [] | [unknown]): Promise<unknown> {
    return runPromise(this.#handle.unsafeGet(key, ...fallback))
  }
  /** `d[key]`; rejects with KeyError when missing. */
  getItem(key: K): Promise<V> {
    return runPromise(this.#handle.unsafeGetItem(key))
  }
  /** `d[key] = value`. */
  setItem(key: K, value: V): Promise<void> {
    return runPromise(this.#handle.unsafeSetItem(key, value))
  }
  /** `del d[key]`; rejects with KeyError when missing. */
  delItem(key: K): Promise<void> {
    return runPromise(this.#handle.unsafeDelItem(key))
  }
  /** `key in d`. */
  has(key: K): Promise<boolean> {
    return runPromise(this.#handle.unsafeHas(key))
  }
  keys(): Promise<Array<K>> {
    return runPromise(this.#handle.unsafeKeys())
  }
  values(): Promise<Array<V>> {
    return runPromise(this.#handle.unsafeValues())
  }
  /** [key, value] pairs in insertion order. */
  items(): Promise<Array<[K, V]>> {
    return runPromise(this.#handle.unsafeItems())
  }
  /** From [key, value] pairs, a plain object or a Map. */
  update(entries: DictEntries<K, V>): Promise<void> {
    return runPromise(this.#handle.unsafeUpdate(entries))
  }
  /** Removes and gives the value of `key`; when missing, `fallback` if given, else rejects with KeyError. */
  pop(key: K): Promise<V>
  pop<D>(key: K, fallback: D): Promise<V | D>
  pop(key: K, ...fallback: [] | [unknown]): Promise<unknown> {
    return runPromise(this.#handle.unsafePop(key, ...fallback))
  }
  /** Removes and gives the last pair put in; rejects with KeyError when empty. */
  popitem(): Promise<[K, V]> {
    return runPromise(this.#handle.unsafePopitem())
  }
  /** The value of `key`, putting `fallback` (undefined by default) there first when missing. */
  setdefault(key: K, fallback?: V): Promise<V> {
    return runPromise(this.#handle.unsafeSetdefault(key, fallback))
  }
  clear(): Promise<void> {
    return runPromise(this.#handle.unsafeClear())
  }
  /** A plain Map of every pair. */
  copy(): Promise<Map<K, V>> {
    return runPromise(this.#handle.unsafeCopy())
  }

  /** The keys, as Python iterates a dict, from a copy taken when iteration starts. */
  async *[Symbol.asyncIterator](): AsyncIterator<K> {
    yield* await this.keys()
  }
}

/** Python's NamespaceProxy: `ns.x` is `get("x")`, `ns.x = v` is `set("x", v)`. */
export class NamespaceProxy {
  readonly #handle: NamespaceHandle

  /** @internal a Manager or a child makes it around a handle */
  constructor(handle: NamespaceHandle) {
    this.#handle = handle
  }

  /** @internal what travels when this is a Process argument */
  get [CompatWrapsKey](): NamespaceHandle {
    return this.#handle
  }

  /** `ns.name`; rejects with AttributeError when it has none. */
  get(name: string): Promise<unknown> {
    return runPromise(this.#handle.unsafeGet(name))
  }
  set(name: string, value: unknown): Promise<void> {
    return runPromise(this.#handle.unsafeSet(name, value))
  }
  /** `del ns.name`; rejects with AttributeError when it has none. */
  delete(name: string): Promise<void> {
    return runPromise(this.#handle.unsafeDelete(name))
  }
  /** `hasattr(ns, name)`. */
  has(name: string): Promise<boolean> {
    return runPromise(this.#handle.unsafeHas(name))
  }
  /** Every attribute as a plain object (what Python's repr shows). */
  toObject(): Promise<Record<string, unknown>> {
    return runPromise(this.#handle.unsafeToObject())
  }
}

/** @internal compat objects around Effect-face handles */
export const wrapList = <A>(handle: ListHandle<A>): ListProxy<A> => new ListProxy(handle)
/** @internal */
export const wrapDict = <K extends DictKey, V>(handle: DictHandle<K, V>): DictProxy<K, V> => new DictProxy(handle)
/** @internal */
export const wrapNamespace = (handle: NamespaceHandle): NamespaceProxy => new NamespaceProxy(handle)

/** @internal the compat object for any of the three (revive.ts) */
export const wrapManaged = (handle: ManagedHandleOf): ListProxy | DictProxy | NamespaceProxy =>
  handle instanceof ListHandle
    ? wrapList(handle)
    : handle instanceof DictHandle
    ? wrapDict(handle)
    : wrapNamespace(handle)

registerWrapper("Managed", wrapManaged)
