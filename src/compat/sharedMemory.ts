/**
 * Python's `multiprocessing.shared_memory` (SharedMemory, ShareableList) and
 * `SharedMemoryManager` for plain TypeScript. Shared memory is local: nothing
 * here talks to another process, so every call is synchronous, as in Python.
 *
 * ```ts
 * const shm = new SharedMemory({ create: true, size: 8 * 1024 })
 * new Float64Array(shm.buf.buffer)[0] = 1.5   // seen by every process that attaches
 * const there = new SharedMemory(shm.name)    // attach by name (any process)
 * there.close()
 * shm.close()
 * shm.unlink()
 * ```
 */
import { Effect } from "effect"
import * as EffectList from "../ShareableList.js"
import type { Item } from "../ShareableList.js"
import * as EffectShm from "../SharedMemory.js"
import * as EffectManager from "../SharedMemoryManager.js"
import { CompatWrapsKey, registerWrapper, runSync, scoped } from "./runtime.js"

export type { Item }

/** Python's keyword arguments of `SharedMemory(name=None, create=False, size=0)`. */
export interface SharedMemoryOptions {
  readonly name?: string | null
  readonly create?: boolean
  readonly size?: number
}

const options = (nameOrOptions: string | SharedMemoryOptions | null | undefined, create?: boolean, size?: number): EffectShm.Options => {
  if (typeof nameOrOptions === "object" && nameOrOptions !== null) {
    return { name: nameOrOptions.name ?? undefined, create: nameOrOptions.create, size: nameOrOptions.size }
  }
  return { name: nameOrOptions ?? undefined, create, size }
}

/**
 * Python's `SharedMemory`: `new SharedMemory({ name?, create?, size? })` or
 * Python's positional form `new SharedMemory(name, create, size)`. Throws
 * FileExistsError, FileNotFoundError, ValueError, or SharedMemoryUnavailableError
 * where the native addon is missing.
 */
export class SharedMemory {
  readonly #shm: EffectShm.SharedMemory
  readonly #close: () => void

  constructor(name?: string | SharedMemoryOptions | null, create?: boolean, size?: number)
  /** Wraps an Effect face SharedMemory (one that arrived in this process; `close` unmaps it). */
  constructor(shm: EffectShm.SharedMemory, close: () => void)
  constructor(
    nameOrOptions?: string | SharedMemoryOptions | null | EffectShm.SharedMemory,
    create?: boolean | (() => void),
    size?: number
  ) {
    if (typeof create === "function") {
      this.#shm = nameOrOptions as EffectShm.SharedMemory
      this.#close = create
    } else {
      const made = scoped(EffectShm.make(options(nameOrOptions as string | SharedMemoryOptions | null | undefined, create, size)))
      this.#shm = made.value
      this.#close = made.close
    }
  }

  /** What travels when this is a Process argument or queue item: the Effect object, attached there by name. */
  get [CompatWrapsKey](): EffectShm.SharedMemory {
    return this.#shm
  }
  /** Its name, as Python shows it: what other processes attach by. */
  get name(): string {
    return this.#shm.name
  }
  /** Its size in bytes. */
  get size(): number {
    return this.#shm.size
  }
  /** The memory, as a Uint8Array (Python's memoryview); empty once closed. */
  get buf(): Uint8Array {
    return this.#shm.buf
  }
  /** Unmaps it from this process; the segment stays for others until unlinked. */
  close(): void {
    this.#close()
  }
  /** Removes the name (once): the memory goes when every process has closed it. */
  unlink(): void {
    runSync(this.#shm.unlink)
  }
  [Symbol.dispose](): void {
    this.close()
  }
  toString(): string {
    return `SharedMemory('${this.name}', size=${this.size})`
  }
}

/**
 * Python's `ShareableList`: `new ShareableList([1, 2.5, "text", null])` lays a
 * list out in a new segment, `new ShareableList(null, { name })` attaches to
 * one. Indexing is `get(i)` / `set(i, value)` (negative counts from the end).
 */
export class ShareableList {
  readonly #list: EffectList.ShareableList
  readonly #shm: SharedMemory

  constructor(sequence?: Iterable<Item> | null, options?: { readonly name?: string | null })
  /** Wraps an Effect face ShareableList (one that arrived in this process). */
  constructor(list: EffectList.ShareableList, close: () => void)
  constructor(
    sequence?: Iterable<Item> | null | EffectList.ShareableList,
    second?: { readonly name?: string | null } | (() => void)
  ) {
    let close: () => void
    if (typeof second === "function") {
      this.#list = sequence as EffectList.ShareableList
      close = second as () => void
    } else {
      const items = sequence === null || sequence === undefined ? undefined : [...(sequence as Iterable<Item>)]
      const made = scoped(EffectList.make(items, { name: second?.name ?? undefined }))
      this.#list = made.value
      close = made.close
    }
    this.#shm = new SharedMemory(this.#list.shm, close)
  }

  get [CompatWrapsKey](): EffectList.ShareableList {
    return this.#list
  }
  /** The segment it lives in: `sl.shm.close()`, `sl.shm.unlink()`, `sl.shm.name`. */
  get shm(): SharedMemory {
    return this.#shm
  }
  /** Python's `len(sl)`. */
  get length(): number {
    return this.#list.length
  }
  /** Python's `format`. */
  get format(): string {
    return this.#list.format
  }
  /** Python's `sl[index]`. */
  get(index: number): Item {
    return runSync(this.#list.get(index))
  }
  /** Python's `sl[index] = item`. */
  set(index: number, item: Item): void {
    runSync(this.#list.set(index, item))
  }
  count(value: Item): number {
    return runSync(this.#list.count(value))
  }
  index(value: Item): number {
    return runSync(this.#list.index(value))
  }
  *[Symbol.iterator](): Iterator<Item> {
    for (const item of runSync(this.#list.items)) yield item
  }
  toString(): string {
    return String(this.#list)
  }
}

/**
 * Python's `SharedMemoryManager`: `start()`, then `SharedMemory(size)` and
 * `ShareableList(sequence)`; `shutdown()` unlinks every block it made. Runs no
 * server process (see the Effect face's SharedMemoryManager).
 */
export class SharedMemoryManager {
  #made: { readonly value: EffectManager.SharedMemoryManager; readonly close: () => void } | undefined

  /** Starts it (Python's `start()`; nothing to wait for here). */
  start(): void {
    this.#made ??= scoped(EffectManager.make())
  }
  #manager(): EffectManager.SharedMemoryManager {
    if (this.#made === undefined) this.start()
    return this.#made!.value
  }
  SharedMemory(size: number): SharedMemory {
    return new SharedMemory(runSync(this.#manager().SharedMemory(size)), () => {})
  }
  ShareableList(sequence: Iterable<Item>): ShareableList {
    return new ShareableList(runSync(this.#manager().ShareableList([...sequence])), () => {})
  }
  /** Closes and unlinks everything it made. */
  shutdown(): void {
    this.#made?.close()
    this.#made = undefined
  }
  [Symbol.dispose](): void {
    this.shutdown()
  }
}

registerWrapper("SharedMemory", (shm: EffectShm.SharedMemory) => new SharedMemory(shm, () => Effect.runSync(shm.close)))
registerWrapper("ShareableList", (list: EffectList.ShareableList) => new ShareableList(list, () => Effect.runSync(list.shm.close)))
