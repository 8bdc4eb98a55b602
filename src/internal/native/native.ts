/**
 * The shared-memory addon (native/shm.c, built into dist/native/shm.node by
 * scripts/build-native.mjs): named POSIX segments mapped into this process as
 * ArrayBuffers, and futex wait/wake on their Int32 words across processes.
 * `native` is undefined where it is absent (not built: no compiler, or not
 * Linux) or disabled with `EFFECT_MULTIPROCESSING_NATIVE=0`; `nativeMissing`
 * then says why. Loaded once per thread, at first import.
 */
import { createRequire } from "node:module"
import { startupSnapshot } from "node:v8"

/** What a wait ended with, as `Atomics.wait` names it. */
export type WaitResult = "ok" | "not-equal" | "timed-out"

export interface Native {
  /** Creates a named POSIX shared memory segment of `size` bytes (shm_open O_CREAT|O_EXCL, ftruncate), zero-filled, mapped MAP_SHARED. Throws an Error with code "EEXIST" etc. */
  create(name: string, size: number): ArrayBuffer
  /** Maps an existing named segment whole (its size from fstat). Throws (code "ENOENT") when there is none. */
  attach(name: string): ArrayBuffer
  /** shm_unlink: removes the name; existing mappings stay valid. */
  unlink(name: string): void
  /** Unmaps now and detaches the buffer (napi_detach_arraybuffer), so later access sees byteLength 0 instead of crashing. Otherwise the mapping is unmapped when the buffer is collected. */
  close(buffer: ArrayBuffer): void
  /** Blocks this thread while the Int32 at `index` of `view` equals `expected`, at most timeoutMs (negative: no limit). futex without FUTEX_PRIVATE_FLAG so it wakes across processes. */
  wait(view: Int32Array, index: number, expected: number, timeoutMs: number): WaitResult
  /** Wakes up to `count` waiters of that word, in any process; returns how many woke. */
  wake(view: Int32Array, index: number, count: number): number
  /** As wait, without blocking the JS thread: a dedicated waiter thread per process (never libuv's threadpool; futex_waitv on Linux >= 5.16) waits, and `callback` runs on the JS thread with the result, or "cancelled". While pending it keeps the event loop alive (ref'd). Returns a ticket. */
  waitAsync(
    view: Int32Array,
    index: number,
    expected: number,
    timeoutMs: number,
    callback: (result: WaitResult | "cancelled") => void
  ): number
  /** Cancels a pending waitAsync: its callback runs with "cancelled" (unless it already ran). */
  cancelWait(ticket: number): void
  /**
   * Blocks this thread until descriptor `fd` is readable (1), the event loop has something to do (2:
   * an event on its descriptors, a timer due, immediates pending, a signal), or `capMicros` pass (0).
   * See native/readable.c.
   */
  waitReadable(fd: number, capMicros: number): 0 | 1 | 2
  /** One non-blocking read into `view` (its bytes [offset, offset + length) when given): the count, 0 at end of file, -1 when nothing is there yet, -2 on another error. Never throws for EAGAIN (fs.readSync does). */
  readInto(fd: number, view: ArrayBufferView, offset?: number, length?: number): number
  /** One non-blocking write of `view` (its bytes [offset, offset + length) when given): the count written, -1 when the socket is full, -2 on another error. */
  writeFrom(fd: number, view: ArrayBufferView, offset?: number, length?: number): number
  /**
   * One read into `view`'s bytes [offset, offset + length) that waits for them as a blocking read
   * does, about `capMicros` at most (rounded up to the kernel's tick) and no longer than the event
   * loop's next timer: the count (0 at end of file), -1 when the cap passed, -3 when the loop has
   * work (nothing waited for then), -2 on another error. `set`: 0 when the last call on this
   * descriptor had the same cap, 1 otherwise, 2 for the first call (it bounds sends too). See
   * native/readable.c.
   */
  readWaiting(fd: number, view: ArrayBufferView, offset: number, length: number, capMicros: number, set?: 0 | 1 | 2): number
  /** The buffer `readWaitingScratch` reads into, for this thread (held by the addon from then on). */
  setScratch(view: ArrayBufferView): void
  /**
   * `readWaiting` into the buffer given to `setScratch` (-2 without one), all of it; with `exactLimit` 0 or
   * more, exactly: the header, then the body in the same call when its length is at most `exactLimit`,
   * never a byte past the frame. Numbers only, which N-API converts cheaply. See native/readable.c.
   */
  readWaitingScratch(fd: number, capMicros: number, set: 0 | 1 | 2, exactLimit: number): number
  /** A second descriptor for the same open file (close-on-exec), or -errno: a worker thread's own copy of a Connection end. */
  dup(fd: number): number
  /** One byte on the Unix socket `socket` carrying `fds` (SCM_RIGHTS, 1 to 64), waiting for room if it is full: 0, or -errno. See native/descriptors.c. */
  sendDescriptors(socket: number, fds: ReadonlyArray<number>): number
  /** Blocks until the byte carrying `count` descriptors arrives on `socket`: them (close-on-exec), or -errno (-EPIPE at end of file). */
  receiveDescriptors(socket: number, count: number): Array<number> | number
}

/**
 * How a primitive sleeps on its words and wakes their sleepers: the addon's
 * futexes for a segment of shared memory, `Atomics` for one of thread memory
 * (threadMemory.ts, atomicsWait.ts). Primitives see only this.
 */
export type Waker = Pick<Native, "wait" | "wake" | "waitAsync" | "cancelWait">

const load = (): { readonly native: Native } | { readonly missing: string } => {
  if (process.env.EFFECT_MULTIPROCESSING_NATIVE === "0") return { missing: "disabled by EFFECT_MULTIPROCESSING_NATIVE=0" }
  if (process.platform !== "linux") return { missing: `not available on ${process.platform} (it needs Linux futexes)` }
  try {
    // From dist/internal/native/ (and from the child bootstrap bundle in dist/internal/child/) alike.
    return { native: createRequire(import.meta.url)("../../native/shm.node") as Native }
  } catch (error) {
    const code = (error as { code?: unknown }).code
    return {
      missing: code === "MODULE_NOT_FOUND"
        ? "not built (`npm run build` builds it where a C compiler is installed)"
        : `failed to load: ${(error as Error).message}`
    }
  }
}

/** The addon, or undefined where it is absent, unsupported or disabled. */
export let native: Native | undefined

/** Why `native` is undefined (undefined when it is loaded). */
export let nativeMissing: string | undefined

const derived: Array<() => void> = []

/** Runs `derive` now, and again if the addon loads later (in a process started from the start-up snapshot). */
export const deriveFromNative = (derive: () => void): void => {
  derived.push(derive)
  derive()
}

const assign = () => {
  const loaded = load()
  native = "native" in loaded ? loaded.native : undefined
  nativeMissing = "missing" in loaded ? loaded.missing : undefined
  for (const derive of derived) derive()
}

// A start-up snapshot cannot hold an addon: each process started from it loads it as it starts.
if (startupSnapshot.isBuildingSnapshot()) {
  nativeMissing = "not loaded yet"
  startupSnapshot.addDeserializeCallback(assign)
} else {
  assign()
}
