/**
 * Thread memory: where the primitives in shared memory live when the addon is
 * absent (not built, not Linux, or disabled), for the threads of one process.
 * One growable SharedArrayBuffer per process, the arena, is handed to every
 * thread child at its start (in its workerData, see process/threadChild.ts),
 * and by that thread to its own: so every thread of the process holds it
 * before any primitive reaches it, and a primitive that arrives later (a Lock
 * through a Queue to a running thread) is mapped at once, with no message to
 * another thread. A primitive takes a slice of it (cache-line aligned, never
 * given back: a handle in some thread may still use it), named
 * `/emp-sab-<pid>-<arena>-<offset>-<bytes>`; where the name is not this
 * arena's (another process, or a thread the library did not start), it cannot
 * be mapped.
 *
 * Without the addon a primitive lives here only when it is made for threads
 * (in a thread child, or once the start method is "thread"), on Linux.
 * Otherwise it is served by its owner, which every process can reach.
 */
import { createRequire } from "node:module"

/** Where a thread child finds the arena in its workerData. */
export const THREAD_MEMORY_KEY = "effect-multiprocessing/threadMemory"

export interface Arena {
  readonly id: string
  readonly buffer: SharedArrayBuffer
}

/** The most an arena grows to (reserved, not committed: pages are used as primitives take them). */
const MAX_BYTES = 64 * 1024 * 1024
const INITIAL_BYTES = 64 * 1024
/** Slices start on a cache line of their own: two threads' locks do not share one. */
const ALIGN = 64
/** The arena's first line: word 0 counts the bytes handed out after it. */
const HEADER = ALIGN
const USED = 0

/** Every copy of the library in a thread (the child bootstrap's bundle, the package) shares this thread's arena. */
const GLOBAL_KEY = Symbol.for(THREAD_MEMORY_KEY)

const workerThreads = (): typeof import("node:worker_threads") =>
  createRequire(import.meta.url)("node:worker_threads") as typeof import("node:worker_threads")

const isArena = (u: unknown): u is Arena =>
  typeof u === "object" && u !== null && typeof (u as Arena).id === "string" && (u as Arena).buffer instanceof SharedArrayBuffer

/** The arena this thread's parent handed it; undefined in a main thread. */
const given = (): Arena | undefined => {
  const { isMainThread, workerData } = workerThreads()
  if (isMainThread) return undefined
  const arena = (workerData as Record<string, unknown> | undefined)?.[THREAD_MEMORY_KEY]
  return isArena(arena) ? arena : undefined
}

/** This process's arena, as this thread knows it: given at its start, else made here (loaded at first use, not at load: see native.ts). */
export const arena = (): Arena => {
  const g = globalThis as Record<symbol, Arena | undefined>
  return (g[GLOBAL_KEY] ??= given() ?? {
    id: Math.random().toString(36).slice(2, 10),
    // Growable (ES2024, Node 20+; this project's lib declares the older constructor).
    buffer: new (SharedArrayBuffer as unknown as new(length: number, options: { maxByteLength: number }) => SharedArrayBuffer)(INITIAL_BYTES, {
      maxByteLength: MAX_BYTES
    })
  })
}

let threadChild: boolean | undefined

/** Whether this code runs in a thread child (a thread the library started, and gave the arena). */
const inThreadChild = (): boolean => (threadChild ??= given() !== undefined)

let forThreads = false

/** The start method is now "thread" (true) or another one: primitives made after it are made for threads. */
export const setMadeForThreads = (threads: boolean): void => {
  forThreads = threads
}

/**
 * Whether a new primitive goes to thread memory when the addon is absent: it
 * is made for threads, on Linux (where a lock names its holder by the OS
 * thread id, and sees that thread end: thisProcess/thisThread.ts; elsewhere
 * every thread would look like one).
 */
export const wanted = (): boolean => process.platform === "linux" && (forThreads || inThreadChild()) && hasRoom()

/** Room for the largest primitive (a queue's ring, 1 MiB) and more: once it is short, new primitives are served instead. */
const hasRoom = (): boolean => {
  const { buffer } = arena()
  return HEADER + Atomics.load(new Int32Array(buffer, 0, 1), USED) + 2 * 1024 * 1024 <= MAX_BYTES
}

/** A new zero-filled slice of at least `bytes`, or undefined when the arena is full. */
export const allocate = (bytes: number): { readonly name: string; readonly words: Int32Array } | undefined => {
  const { buffer, id } = arena()
  const size = Math.ceil(Math.max(bytes, 8) / ALIGN) * ALIGN
  const header = new Int32Array(buffer, 0, 1)
  const offset = HEADER + Atomics.add(header, USED, size)
  const end = offset + size
  if (end > MAX_BYTES) return undefined
  grow(buffer, end)
  return { name: `/emp-sab-${process.pid}-${id}-${offset}-${size}`, words: new Int32Array(buffer, offset, size / 4) }
}

/** Grows `buffer` to at least `end` bytes; another thread may grow it meanwhile (then a smaller grow is refused). */
const grow = (buffer: SharedArrayBuffer, end: number): void => {
  const growable = buffer as SharedArrayBuffer & { grow(length: number): void }
  for (let tries = 0; buffer.byteLength < end; tries++) {
    try {
      growable.grow(Math.min(MAX_BYTES, Math.max(end, buffer.byteLength * 2)))
    } catch (error) {
      // A RangeError for a length below the current one (another thread grew it past ours): look again.
      if (buffer.byteLength < end && (!(error instanceof RangeError) || tries > 100)) throw error
    }
  }
}

const NAME = /^\/emp-sab-(\d+)-([a-z0-9]+)-(\d+)-(\d+)$/

/** Whether `name` names a slice of thread memory (of any process). */
export const isThreadMemory = (name: string): boolean => name.startsWith("/emp-sab-")

/** The slice `name` names, when it is in this thread's arena; undefined otherwise (another process's, or another arena's). */
export const attach = (name: string): { readonly name: string; readonly words: Int32Array } | undefined => {
  const match = NAME.exec(name)
  if (match === null || Number(match[1]) !== process.pid) return undefined
  const { buffer, id } = arena()
  const offset = Number(match[3])
  const size = Number(match[4])
  if (match[2] !== id || offset % ALIGN !== 0 || size % ALIGN !== 0 || offset + size > buffer.byteLength) return undefined
  return { name, words: new Int32Array(buffer, offset, size / 4) }
}
