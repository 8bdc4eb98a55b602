/**
 * A byte stream over a worker thread's message port: what a control channel
 * is for a child that is a thread. Frames travel as they do on a socket, one
 * message per write, so both ends keep their framing (`framing.ts`) and the
 * pool's protocol; the stream only stands in for the socket pair a process
 * gets on descriptor 3. Plain Node: the child bootstrap bundles it.
 */
import { EventEmitter } from "node:events"

/** What both ends of a port look like: a `Worker` in the parent, `parentPort` in the thread. */
export interface Port {
  postMessage(value: unknown, transferList?: ReadonlyArray<ArrayBuffer>): void
  on(event: "message", listener: (value: unknown) => void): unknown
  ref?(): void
  unref?(): void
}

/** The message that says no more bytes follow (a socket's end). */
const END = "end"

/**
 * A duplex byte stream over `port`: `write` posts a copy of the bytes (an
 * exact-size copy, transferred: a Buffer's view of a larger slab would clone
 * the whole slab), `data` delivers what the other end wrote, `end` arrives
 * when the other end called `end()`. `close` is the owner's to emit (the
 * thread's exit): `closed()`.
 */
export class PortStream extends EventEmitter {
  /** Posting hands the bytes over at once: nothing is ever left to write or read here. */
  readonly writableLength = 0
  readonly readableLength = 0
  private ended = false

  constructor(private readonly port: Port) {
    super()
    port.on("message", (message) => {
      if (message === END) return void this.emit("end")
      if (message instanceof Uint8Array) this.emit("data", Buffer.from(message.buffer, message.byteOffset, message.byteLength))
    })
  }

  write(bytes: Uint8Array, callback?: () => void): boolean {
    if (this.ended) return false
    const copy = new Uint8Array(bytes)
    this.port.postMessage(copy, [copy.buffer])
    if (callback !== undefined) queueMicrotask(callback)
    return true
  }

  /** Posts `value` as a message of its own, outside the stream (a thread's rings, `ringChannel.ts`). */
  post(value: unknown): void {
    this.port.postMessage(value)
  }

  end(): this {
    if (!this.ended) this.port.postMessage(END)
    this.ended = true
    return this
  }

  /** Reads nothing more (what came was malformed). */
  destroy(): this {
    this.ended = true
    this.removeAllListeners("data")
    return this
  }

  /** Data flows as soon as a listener is on: there is nothing to resume. */
  resume(): this {
    return this
  }

  /** The other end is gone: no more data will come. */
  closed(): void {
    this.ended = true
    this.emit("close")
  }

  ref(): void {
    this.port.ref?.()
  }

  unref(): void {
    this.port.unref?.()
  }
}
