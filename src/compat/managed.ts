/**
 * The shared list, dict and Namespace a Manager hands out, for plain
 * TypeScript: Python's ListProxy, DictProxy and NamespaceProxy. Every operation
 * is the Effect face's of the same name, returning a Promise (it may talk to
 * the owner; the owner's own settle without a round trip); Python's dunder
 * methods are named for what they do (`l[i]` is `getItem(i)`, `len(l)` is
 * `len()`, `x in l` is `contains(x)`), and errors reject with the library's
 * classes (IndexError, KeyError, AttributeError, ValueError …).
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
import type { DictEntries, DictHandle, DictKey, ListHandle, NamespaceHandle } from "../Manager.js"
import { CompatWrapsKey, type Promised, promising, registerWrapper, runPromise } from "./runtime.js"

export type { DictEntries, DictKey }

/** Python's ListProxy: `l[start:stop:step]` is `slice(start, stop, step)`, null or a missing bound Python's None. */
export interface ListProxy<A = unknown> extends Promised<ListHandle<A>> {}
export class ListProxy<A = unknown> {
  /** Around the Effect face's proxy (what a Manager or a child gives). */
  readonly #list: ListHandle<A>
  constructor(list: ListHandle<A>) {
    this.#list = list
  }
  /** What travels when it is passed to another process. */
  get [CompatWrapsKey](): ListHandle<A> {
    return this.#list
  }

  /** The items, as a copy taken when iteration starts. */
  async *[Symbol.asyncIterator](): AsyncIterator<A> {
    yield* await this.toArray()
  }
}

/** Python's DictProxy: insertion-ordered; keys are strings, numbers, bigints, booleans or null. */
export interface DictProxy<K extends DictKey = DictKey, V = unknown> extends Omit<Promised<DictHandle<K, V>>, "get" | "pop"> {}
export class DictProxy<K extends DictKey = DictKey, V = unknown> {
  /** Around the Effect face's proxy (what a Manager or a child gives). */
  readonly #dict: DictHandle<K, V>
  constructor(dict: DictHandle<K, V>) {
    this.#dict = dict
  }
  /** What travels when it is passed to another process. */
  get [CompatWrapsKey](): DictHandle<K, V> {
    return this.#dict
  }

  /** `d.get(key, default)`: the value, else `fallback`, else undefined (Python's None). */
  get(key: K): Promise<V | undefined>
  get<D>(key: K, fallback: D): Promise<V | D>
  get(key: K, ...fallback: [] | [unknown]): Promise<unknown> {
    return runPromise(fallback.length === 0 ? this.#dict.get(key) : this.#dict.get(key, fallback[0]))
  }
  /** Removes and gives the value of `key`; when missing, `fallback` if given, else rejects with KeyError. */
  pop(key: K): Promise<V>
  pop<D>(key: K, fallback: D): Promise<V | D>
  pop(key: K, ...fallback: [] | [unknown]): Promise<unknown> {
    return runPromise(fallback.length === 0 ? this.#dict.pop(key) : this.#dict.pop(key, fallback[0]))
  }

  /** The keys, as Python iterates a dict, from a copy taken when iteration starts. */
  async *[Symbol.asyncIterator](): AsyncIterator<K> {
    yield* await this.keys()
  }
}

/** Python's NamespaceProxy: `ns.x` is `get("x")`, `ns.x = v` is `set("x", v)`. */
export interface NamespaceProxy extends Promised<NamespaceHandle> {}
export class NamespaceProxy {
  /** Around the Effect face's proxy (what a Manager or a child gives). */
  readonly #namespace: NamespaceHandle
  constructor(namespace: NamespaceHandle) {
    this.#namespace = namespace
  }
  /** What travels when it is passed to another process. */
  get [CompatWrapsKey](): NamespaceHandle {
    return this.#namespace
  }
}

promising(ListProxy, [
  "len", "getItem", "setItem", "delItem", "slice", "setSlice", "delSlice", "append", "extend", "pop",
  "insert", "remove", "reverse", "sort", "count", "index", "contains", "toArray"
])
promising(DictProxy, ["len", "getItem", "setItem", "delItem", "has", "keys", "values", "items", "update", "popitem", "setdefault", "clear", "copy"])
promising(NamespaceProxy, ["get", "set", "delete", "has", "toObject"])

registerWrapper("list", (list: ListHandle) => new ListProxy(list))
registerWrapper("dict", (dict: DictHandle) => new DictProxy(dict))
registerWrapper("Namespace", (namespace: NamespaceHandle) => new NamespaceProxy(namespace))
