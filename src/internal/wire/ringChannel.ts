/**
 * A byte stream between two threads of one process over shared memory: a
 * pool's channel to a worker that is a thread. Each way is a ring of bytes in
 * a SharedArrayBuffer with one writer and one reader; a write copies into it
 * and publishes its new head with `Atomics`, a reader waiting for bytes is
 * woken with `Atomics.notify`. A reader waits either without blocking its
 * thread (`Atomics.waitAsync`, woken through its event loop) or, for the
 * moment after a send when the answer is that close, in `Atomics.wait` (a
 * sleep in the kernel, woken in microseconds): what a MessagePort costs — a
 * message object, a structured clone, an event loop wake-up on each side —
 * is paid by neither.
 *
 * It is a byte stream as a socket is, so the pool's frames and protocol stay
 * as they are (the pool reads frames, not messages); it answers what the pool
 * and its worker loop ask of a channel (`write`, `end`, `data`, `end`,
 * `close`, `writableLength`), and `writeNow`/`waitRead` for their direct
 * paths (`synchronousRead.ts`). Plain Node: the child bootstrap bundles it.
 */
import { EventEmitter } from "node:events"

/**
 * Word indices of a ring's header: where the writer is, where the reader is,
 * whether the writer ended; then who asked to be woken — a reader asleep in
 * `Atomics.wait` on HEAD, a reader waiting in its event loop on BELL, a writer
 * waiting for room on TAIL. Each sets its word, then checks, then waits; the
 * other side publishes, then reads the word (both sequentially consistent: one
 * of them sees the other), wakes it and clears it. So a write wakes only a
 * reader that waits, once: a reader busy reading costs its writer no system
 * call, and one waiting synchronously is not also woken in its event loop.
 */
const HEAD = 0
const TAIL = 1
const ENDED = 2
const SYNC_READER = 3
const ASYNC_READER = 4
const BELL = 5
const WRITER = 6
const HEADER_BYTES = 32

/**
 * `Atomics.waitAsync` (Node 16+; declared by the ES2024 lib, which this project
 * does not compile against). Looked up at each call: the start-up snapshot is
 * built where `Atomics` does not exist.
 */
const waitAsync = (words: Int32Array, index: number, value: number) =>
  (Atomics as unknown as {
    waitAsync(words: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> }
  }).waitAsync(words, index, value)

/** Bytes each way: a tick's batch of small tasks fits many times over; a larger write passes in pieces. */
export const RING_BYTES = 1 << 20

/**
 * How long a reader waits in `Atomics.wait` for an answer before it lets its
 * event loop wait instead. The parent blocks its loop only for the moment a
 * lone task's result is that close; a worker with nothing to run has nothing
 * else to do with its loop, and the pool's next task (its caller awaited the
 * last result first) is often a few tens of microseconds behind it. A wait is
 * a sleep in the kernel: it costs no CPU, only the loop's attention.
 *
 * The worker's wait is long on purpose: a timed sleep arms a timer in the
 * kernel, and one that expires before the scheduler's next tick (4 ms at
 * 250 Hz) must reprogram the CPU's timer to arm it and again to cancel it,
 * which in a virtual machine exits to the hypervisor each time. Measured on
 * a 2-core VM, a bare two-thread ping-pong through `Atomics.wait` took 10-11 µs
 * a round trip with the worker's wait unbounded or 5 ms and longer, 21-29 µs
 * with 0.5 ms, 50-70 µs with 1-2 ms. So an idle worker's event loop (a timer
 * an earlier task set) runs at most this long after its last task.
 */
const PARENT_WAIT_MS = 0.05
const THREAD_WAIT_MS = 10

/** The message that hands a thread its ends of the rings (posted first on its port, see `accept`). */
export const RING_SETUP_KEY = "effect-multiprocessing/rings"

/** One direction: bytes written at `head`, read at `tail` (free-running 32-bit counters), modulo the capacity. */
class Ring {
  readonly words: Int32Array
  readonly bytes: Uint8Array
  private readonly mask: number

  constructor(readonly buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer, 0, HEADER_BYTES / 4)
    this.bytes = new Uint8Array(buffer, HEADER_BYTES)
    this.mask = this.bytes.byteLength - 1
  }

  static make(capacity: number): Ring {
    return new Ring(new SharedArrayBuffer(HEADER_BYTES + capacity))
  }

  get tail(): number {
    return Atomics.load(this.words, TAIL)
  }

  /** The writer: copies what fits of `source` from `offset`, publishes it and wakes the reader; the count copied. */
  put(source: Uint8Array, offset: number): number {
    const head = Atomics.load(this.words, HEAD)
    const free = this.bytes.byteLength - ((head - Atomics.load(this.words, TAIL)) | 0)
    const count = Math.min(free, source.byteLength - offset)
    if (count <= 0) return 0
    const at = head & this.mask
    const first = Math.min(count, this.bytes.byteLength - at)
    this.bytes.set(source.subarray(offset, offset + first), at)
    if (count > first) this.bytes.set(source.subarray(offset + first, offset + count), 0)
    Atomics.store(this.words, HEAD, (head + count) | 0)
    this.wakeReader()
    return count
  }

  /** Whether bytes wait to be read, or the end. */
  ready(): boolean {
    return Atomics.load(this.words, HEAD) !== Atomics.load(this.words, TAIL) || Atomics.load(this.words, ENDED) === 1
  }

  wakeReader(): void {
    if (Atomics.load(this.words, SYNC_READER) === 1) {
      Atomics.store(this.words, SYNC_READER, 0)
      Atomics.notify(this.words, HEAD)
    }
    if (Atomics.load(this.words, ASYNC_READER) === 1) this.ring()
  }

  /** Wakes the reader waiting in its event loop. */
  ring(): void {
    Atomics.store(this.words, ASYNC_READER, 0)
    Atomics.add(this.words, BELL, 1)
    Atomics.notify(this.words, BELL)
  }

  /** The reader: waits up to `ms` in `Atomics.wait` for bytes or the end (whoever else waited in the event loop is not woken meanwhile). */
  waitSync(ms: number): void {
    const tail = Atomics.load(this.words, TAIL)
    const watching = Atomics.exchange(this.words, ASYNC_READER, 0)
    Atomics.store(this.words, SYNC_READER, 1)
    if (!this.ready()) Atomics.wait(this.words, HEAD, tail, ms)
    Atomics.store(this.words, SYNC_READER, 0)
    if (watching === 1) {
      Atomics.store(this.words, ASYNC_READER, 1)
      // What came after the wait, unannounced, would sit there unseen: the waiter in the event loop is told.
      if (this.ready()) this.ring()
    }
  }

  /** The reader: waits in the event loop for bytes or the end; undefined when they are there already. */
  waitAsync(): Promise<string> | undefined {
    const bell = Atomics.load(this.words, BELL)
    Atomics.store(this.words, ASYNC_READER, 1)
    if (this.ready()) return undefined
    const waited = waitAsync(this.words, BELL, bell)
    return waited.async ? waited.value : undefined
  }

  /** The writer: waits in the event loop until the reader has moved past `tail`; undefined when it has. */
  waitRoom(tail: number): Promise<string> | undefined {
    Atomics.store(this.words, WRITER, 1)
    const waited = waitAsync(this.words, TAIL, tail)
    return waited.async ? waited.value : undefined
  }

  /** The reader: a copy of every byte there, undefined when none; frees their room and wakes a writer waiting for it. */
  take(): Buffer | undefined {
    const tail = Atomics.load(this.words, TAIL)
    const count = (Atomics.load(this.words, HEAD) - tail) | 0
    if (count === 0) return undefined
    const out = Buffer.allocUnsafe(count)
    const at = tail & this.mask
    const first = Math.min(count, this.bytes.byteLength - at)
    out.set(this.bytes.subarray(at, at + first), 0)
    if (count > first) out.set(this.bytes.subarray(0, count - first), first)
    Atomics.store(this.words, TAIL, (tail + count) | 0)
    if (Atomics.load(this.words, WRITER) === 1) {
      Atomics.store(this.words, WRITER, 0)
      Atomics.notify(this.words, TAIL)
    }
    return out
  }

  /** Whether the writer ended and every byte it wrote has been read. */
  drained(): boolean {
    return Atomics.load(this.words, ENDED) === 1 && Atomics.load(this.words, HEAD) === Atomics.load(this.words, TAIL)
  }

  end(): void {
    Atomics.store(this.words, ENDED, 1)
    this.wakeReader()
  }
}

interface Pending {
  readonly bytes: Uint8Array
  offset: number
  readonly callback: (() => void) | undefined
}

/**
 * One end of a pair of rings. `data` carries what the other end wrote, `end`
 * says it ended; `close` is the owner's to emit (`closed()`: the other thread
 * is gone), after the bytes it left are delivered.
 */
export class RingChannel extends EventEmitter {
  readonly readableLength = 0
  private readonly backlog: Array<Pending> = []
  private backlogBytes = 0
  private ending = false
  private ended = false
  private gone = false
  private flowing = false
  private watching = false
  private draining = false
  private endEmitted = false

  private constructor(private readonly inbound: Ring, private readonly outbound: Ring, private readonly waitMs: number) {
    super()
  }

  /** The parent's end of a new pair, and the message that gives the thread its end. */
  static open(capacity = RING_BYTES): { readonly channel: RingChannel; readonly setup: Record<string, [SharedArrayBuffer, SharedArrayBuffer]> } {
    const toThread = Ring.make(capacity)
    const fromThread = Ring.make(capacity)
    return { channel: new RingChannel(fromThread, toThread, PARENT_WAIT_MS), setup: { [RING_SETUP_KEY]: [toThread.buffer, fromThread.buffer] } }
  }

  /** The thread's end, from the setup message `open` gave; undefined when `message` is not one. */
  static accept(message: unknown): RingChannel | undefined {
    const buffers = (message as Record<string, unknown> | undefined)?.[RING_SETUP_KEY]
    if (!Array.isArray(buffers) || !buffers.every((buffer) => buffer instanceof SharedArrayBuffer)) return undefined
    const [toThread, fromThread] = buffers as [SharedArrayBuffer, SharedArrayBuffer]
    return new RingChannel(new Ring(toThread), new Ring(fromThread), THREAD_WAIT_MS)
  }

  /** Bytes written and not yet in the ring (it was full). */
  get writableLength(): number {
    return this.backlogBytes
  }

  /** Copies `bytes` to the other end; what does not fit now follows as the reader frees room. `callback`: once all are in the ring. */
  write(bytes: Uint8Array, callback?: () => void): boolean {
    if (this.ending || this.gone) return false
    const written = this.backlog.length === 0 ? this.outbound.put(bytes, 0) : 0
    if (written === bytes.byteLength) {
      if (callback !== undefined) queueMicrotask(callback)
      return true
    }
    this.backlog.push({ bytes, offset: written, callback })
    this.backlogBytes += bytes.byteLength - written
    this.drainWhenRoom()
    return false
  }

  /** Copies what fits of `bytes` now, behind nothing: the count (0 while earlier writes wait for room). */
  writeNow(bytes: Uint8Array): number {
    if (this.ending || this.gone || this.backlog.length > 0) return 0
    return this.outbound.put(bytes, 0)
  }

  /** No more writes: the other end sees `end` once it has read what was written. */
  end(): this {
    if (this.ending) return this
    this.ending = true
    if (this.backlog.length === 0) this.outbound.end()
    return this
  }

  /** Starts delivering `data` (and `end`) as bytes come. */
  resume(): this {
    this.flowing = true
    this.watch()
    return this
  }

  /** Reads nothing more (what came was malformed). */
  destroy(): this {
    this.ended = true
    this.removeAllListeners("data")
    return this
  }

  /**
   * Waits a moment in `Atomics.wait` for bytes (blocking this thread: for the
   * moment a reply is expected), hands what came to `received`; whether any did.
   */
  waitRead(received: (chunk: Buffer) => void): boolean {
    if (this.ended) return false
    let chunk = this.inbound.take()
    if (chunk === undefined) {
      this.inbound.waitSync(this.waitMs)
      chunk = this.inbound.take()
    }
    if (chunk === undefined) return false
    received(chunk)
    return true
  }

  /** The other thread is gone (it exited): what it wrote is delivered, then `close`. */
  closed(): void {
    if (this.gone) return
    this.gone = true
    this.deliver()
    this.ended = true
    // Release this end's own pending waits, for nothing more will wake them.
    this.inbound.ring()
    Atomics.notify(this.outbound.words, TAIL)
    for (const pending of this.backlog.splice(0)) pending.callback?.()
    this.backlogBytes = 0
    this.emit("close")
  }

  /** Delivers what is there; whether the other end has ended and all it wrote is read. */
  private deliver(): boolean {
    for (let chunk = this.inbound.take(); chunk !== undefined && !this.ended; chunk = this.inbound.take()) {
      this.emit("data", chunk)
    }
    if (!this.endEmitted && this.inbound.drained()) {
      this.endEmitted = true
      this.emit("end")
    }
    return this.endEmitted
  }

  /** Delivers what comes, waiting in the event loop (`Atomics.waitAsync`: it holds no handle, the thread may exit meanwhile). */
  private watch(): void {
    if (!this.flowing || this.watching) return
    for (;;) {
      if (this.deliver() || this.ended) return
      const waited = this.inbound.waitAsync()
      if (waited === undefined) continue
      this.watching = true
      void waited.then(() => {
        this.watching = false
        this.watch()
      })
      return
    }
  }

  /** Moves the backlog into the ring as the reader frees room, in order; then an end that waited for it. */
  private drainWhenRoom(): void {
    if (this.draining || this.gone) return
    while (this.backlog.length > 0) {
      const pending = this.backlog[0]!
      const tail = this.outbound.tail
      const written = this.outbound.put(pending.bytes, pending.offset)
      pending.offset += written
      this.backlogBytes -= written
      if (pending.offset < pending.bytes.byteLength) {
        const waited = this.outbound.waitRoom(tail)
        if (waited === undefined) continue
        this.draining = true
        void waited.then(() => {
          this.draining = false
          this.drainWhenRoom()
        })
        return
      }
      this.backlog.shift()
      pending.callback?.()
    }
    if (this.ending) this.outbound.end()
  }
}
