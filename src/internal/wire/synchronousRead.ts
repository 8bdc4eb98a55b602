/**
 * Reading a socket's descriptor directly, synchronously, for the moment after
 * a send when the reply is expected: a reply usually comes within tens of
 * microseconds, and sleeping in the event loop costs about that again in
 * wake-up latency. Used by connections, the resource server, the pool and its
 * workers, each as its SpinPolicy allows: not with one CPU, nor while spins go
 * unanswered (the peer cannot run while we spin: the cores are busy). Where the
 * addon is built, a connection waits in the kernel instead, and reads without
 * an exception (kernelWait.ts).
 *
 * Plain Node only: the pool worker's loop (in the child bootstrap) uses it.
 */
import { readSync, writeSync } from "node:fs"
import type { Socket } from "node:net"
import { SpinPolicy, spinning } from "./spinPolicy.js"

export { spinning }

/** How long a spin reads before it gives up and lets the event loop wait. */
export const SPIN_MS = 0.05

let scratch: Buffer | undefined

/** Where every copy of this module in a thread finds the thread's scratch buffer (the addon reads into one, see readIntoScratch). */
const SCRATCH = Symbol.for("effect-multiprocessing/readScratch")

/** Where direct reads land before they are copied out; reads are synchronous, so one buffer serves all, in a thread. */
export const spinScratch = (): Buffer =>
  (scratch ??= ((globalThis as Record<symbol, Buffer | undefined>)[SCRATCH] ??= Buffer.allocUnsafe(64 * 1024)))

/** The descriptor under a Node socket, where the platform exposes one (not on Windows). */
export const descriptorOf = (socket: object): number | undefined => {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd
  return typeof fd === "number" && fd >= 0 ? fd : undefined
}

interface StreamHandle {
  readonly fd?: unknown
  ref?(): void
  unref?(): void
}

/**
 * A socket's handle, looked up once for the many direct reads, writes and waits on it: Node's
 * `_handle` getter is one for every socket of the process, so its lookup is megamorphic (about a
 * tenth of the instructions of a ping-pong's end, with the `ref`/`unref` that look it up twice
 * each). Its descriptor is kept while the socket is not destroyed: a destroyed socket's flag is
 * set before its handle is closed (Node's destroy marks both halves, then closes the handle), so
 * a kept number is never one closed and given to another file (the handle's `fd` is a call into
 * Node's C++, twice a round trip). Once the socket is destroyed the handle is asked each time: a
 * closed or closing one gives none, and the socket's handle is looked up again then.
 */
export class SocketHandle {
  private handle: StreamHandle | undefined
  // The descriptor while the socket is not destroyed, -1 when unknown.
  private descriptor = -1
  // The receive timeout this process last set on the handle's descriptor (see kernelWait's
  // readWaiting), -1 before the first: the send timeout is set with it.
  private bound = -1

  constructor(private readonly socket: Pick<Socket, "ref" | "unref" | "destroyed">) {}

  /** The descriptor, as `descriptorOf`. */
  fd(): number | undefined {
    if (this.descriptor >= 0 && !this.socket.destroyed) return this.descriptor
    let fd = this.handle?.fd
    if (typeof fd !== "number" || fd < 0) {
      this.handle = (this.socket as unknown as { _handle?: StreamHandle | null })._handle ?? undefined
      this.bound = -1
      fd = this.handle?.fd
    }
    this.descriptor = typeof fd === "number" && fd >= 0 && !this.socket.destroyed ? fd : -1
    return typeof fd === "number" && fd >= 0 ? fd : undefined
  }

  /**
   * For a waiting read of at most `capMicros` on the descriptor `fd()` gave last: which of its
   * timeouts to set first (see readWaiting), recorded as set.
   */
  bounds(capMicros: number): 0 | 1 | 2 {
    const bound = this.bound
    if (bound === capMicros) return 0
    // Not a socket: every read tries to set one (and is told again that it cannot).
    if (Number.isNaN(bound)) return 1
    this.bound = capMicros
    return bound < 0 ? 2 : 1
  }

  /** The descriptor took no timeout (not a socket): none is recorded, so that every waiting read sets one first. */
  unbounded(): void {
    this.bound = Number.NaN
  }

  /** `socket.ref()`, through the handle once it is known (a closed handle's `ref` does nothing, as the socket's would). */
  ref(): void {
    if (this.handle?.ref !== undefined) this.handle.ref()
    else this.socket.ref()
  }

  /** `socket.unref()`, likewise. */
  unref(): void {
    if (this.handle?.unref !== undefined) this.handle.unref()
    else this.socket.unref()
  }
}

/**
 * Bytes read from a non-blocking descriptor (into `into`'s bytes from `offset`, at most
 * `length`), 0 at end of file (or on an error, which Node's own next read reports),
 * undefined when nothing is there yet.
 */
export const readNow = (fd: number, into: Uint8Array, offset = 0, length = into.length - offset): number | undefined => {
  // Nothing there throws EAGAIN: without a stack trace that costs a few microseconds, not tens.
  const stackTraceLimit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return readSync(fd, into, offset, length, null)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EAGAIN" ? undefined : 0
  } finally {
    Error.stackTraceLimit = stackTraceLimit
  }
}

/**
 * Writes what it can of `bytes` (from `offset`, `length` of them) to a non-blocking descriptor now: the count
 * written, 0 when the socket is full (or on an error, which Node's own next
 * write reports). Cheaper than a stream write for the small batches of
 * frames a sender flushes at once.
 */
export const writeNow = (fd: number, bytes: Uint8Array, offset = 0, length = bytes.length - offset): number => {
  const stackTraceLimit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return writeSync(fd, bytes, offset, length)
  } catch {
    return 0
  } finally {
    Error.stackTraceLimit = stackTraceLimit
  }
}

/** A channel that waits for bytes itself, without spinning (`ringChannel.ts`). */
interface WaitsForBytes {
  waitRead(received: (chunk: Buffer) => void): boolean
  writeNow(bytes: Uint8Array): number
}

const waitsForBytes = (channel: object): channel is WaitsForBytes =>
  typeof (channel as Partial<WaitsForBytes>).waitRead === "function"

/**
 * Writes what it can of `bytes` to `channel` now, its descriptor's or its own
 * way: the count written; undefined when it has no direct way (its stream's
 * `write` is then the only one).
 */
export const writeDirect = (channel: object, bytes: Uint8Array): number | undefined => {
  if (waitsForBytes(channel)) return channel.writeNow(bytes)
  const fd = descriptorOf(channel)
  return fd === undefined ? undefined : writeNow(fd, bytes)
}

/**
 * Reads `socket` directly until some bytes come (handed to `received`, as a
 * 'data' event's would be), the stream ends, or SPIN_MS pass. Only while Node
 * holds nothing unread from it, so that bytes stay in order. Whether bytes came.
 */
export const spinRead = (socket: Pick<Socket, "readableLength">, received: (chunk: Buffer) => void): boolean => {
  if (waitsForBytes(socket)) return socket.waitRead(received)
  if (!spinning()) return false
  const fd = descriptorOf(socket)
  if (fd === undefined) return false
  const into = spinScratch()
  const until = performance.now() + SPIN_MS
  do {
    if (socket.readableLength > 0) return false
    const count = readNow(fd, into)
    if (count === 0) return false
    if (count !== undefined) {
      received(Buffer.from(into.subarray(0, count)))
      return true
    }
  } while (performance.now() < until)
  return false
}

/** `spinRead` when its SpinPolicy allows: it stops spinning while spins go unanswered (see SpinPolicy). */
export class Spinner {
  private readonly policy = new SpinPolicy()

  read(socket: Pick<Socket, "readableLength">, received: (chunk: Buffer) => void): boolean {
    // A channel that sleeps while it waits takes no core from anyone: the policy is for spins.
    if (waitsForBytes(socket)) return socket.waitRead(received)
    if (!this.policy.shouldSpin()) return false
    const hit = spinRead(socket, received)
    this.policy.ended(hit)
    return hit
  }
}
