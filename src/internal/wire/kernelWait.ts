/**
 * Waiting for a reply in the kernel, as Python's blocking read waits: the
 * writer's write wakes this thread directly, and the reply is read at once,
 * without the turn of the event loop, the stream's 'data' event and the
 * settling of a waiter that a wait in the loop costs (about 10 µs of CPU each
 * end of a round trip, measured: 25–35 against 35–42; a busy machine pays CPU
 * in wall time). A connection's receive waits in the read itself
 * (`readWaiting`: the socket made blocking for one read bounded by a receive
 * timeout, which costs the kernel half of a poll and then a read, and lasts
 * no longer than the loop's next timer; another socket's event does not end
 * it). The pool's wait for a result (`ReplyReader`) uses `waitReadable`, which
 * watches the event loop's own descriptor too: anything else the loop waits
 * for (another socket, a child's exit, a worker's message) ends it at once.
 * What either can hold up is JavaScript already queued (microtasks), for
 * about CAP_MICROS at most, and only while replies keep coming within the cap
 * (WaitPolicy).
 *
 * Absent without the addon (not built, not Linux, or
 * EFFECT_MULTIPROCESSING_NATIVE=0): waits then spin and sleep in the loop
 * (see SpinPolicy).
 */
import type { Socket } from "node:net"
import { deriveFromNative, native } from "../native/native.js"
import { descriptorOf, readNow, Spinner, spinScratch, writeNow } from "./synchronousRead.js"

/** The longest a wait holds the thread before it hands over to the event loop. */
export const CAP_MICROS = 1000

/** What ended a wait: the descriptor became "readable", the "loop" had work, or the "cap" passed. */
export type Ended = "readable" | "loop" | "cap"

const ENDINGS: ReadonlyArray<Ended> = ["cap", "readable", "loop"]

/** Blocks until `fd` is readable, the loop has work, or `capMicros` pass; undefined without the addon. */
export let waitReadable: ((fd: number, capMicros: number) => Ended) | undefined

/**
 * `readNow` (bytes read into `into` from `offset`, at most `length`; 0 at the
 * end or on an error, undefined when nothing is there yet), through the addon's
 * readInto where it is built: a read that finds nothing then costs no
 * exception (fs.readSync throws EAGAIN), and a range costs no subarray. Not in
 * synchronousRead.ts, which the child bootstrap bundles: loading the addon
 * there would cost every child's start 2-12 ms.
 */
export let readDirect: (fd: number, into: Uint8Array, offset?: number, length?: number) => number | undefined = readNow

/**
 * `writeNow` (the count written, 0 when the socket is full or failed: Node's own next
 * write reports it), through the addon's writeFrom where it is built: fs.writeSync
 * validates its arguments and makes a context object on every call. Not in
 * synchronousRead.ts either, for the same reason.
 */
export let writeDirect: (fd: number, bytes: Uint8Array, offset: number, length: number) => number = writeNow

/** What `readWaiting` gives besides a count: the cap passed with nothing. */
export const WAITED_CAP = -1
/** ...the loop has work (a timer due, work pending, a signal): nothing was waited for, or the wait ended for it. */
export const WAITED_LOOP = -3
/** ...the descriptor takes no receive timeout (not a socket): nothing was read; wait with `waitReadable`. */
export const WAITED_UNBOUNDED = -4

/**
 * One read of `fd` into `into[offset, offset + length)` that waits for the bytes as a blocking read
 * waits, for about `capMicros` at most (the addon's `readWaiting`, native/readable.c): the count (0 at
 * the end of the stream or on an error, which Node's own next read reports), WAITED_CAP,
 * WAITED_LOOP or WAITED_UNBOUNDED. `set`: what bounds to set on the descriptor first (SocketHandle's `bounds`). Undefined
 * without the addon.
 */
export let readWaiting:
  | ((fd: number, into: Uint8Array, offset: number, length: number, capMicros: number, set: 0 | 1 | 2) => number)
  | undefined

/**
 * `readWaiting` into `spinScratch()`, whose bytes the caller frames: the count, or a code as
 * readWaiting's. `exactLimit` -1: as much as the scratch holds; 0 or more, exactly one frame's
 * header, and its body in the same call when it is at most `exactLimit` bytes (see the addon's
 * readWaitingScratch). Cheaper than readWaiting: no typed array to convert. Undefined without the
 * addon.
 */
export let readIntoScratch:
  | ((fd: number, capMicros: number, set: 0 | 1 | 2, exactLimit: number) => number)
  | undefined

// Derived once the addon is loaded (after a start-up snapshot's deserialization, not while it is built).
deriveFromNative(() => {
  waitReadable = native === undefined
    ? undefined
    : (fd, capMicros) => ENDINGS[native!.waitReadable(fd, capMicros)]
  readDirect = native === undefined
    ? readNow
    : (fd, into, offset = 0, length = into.length - offset) => {
      const count = native!.readInto(fd, into, offset, length)
      return count === -1 ? undefined : count < 0 ? 0 : count
    }
  readWaiting = native === undefined
    ? undefined
    : (fd, into, offset, length, capMicros, set) => {
      const count = native!.readWaiting(fd, into, offset, length, capMicros, set)
      return count === -2 ? 0 : count
    }
  let scratchGiven = false
  readIntoScratch = native === undefined
    ? undefined
    : (fd, capMicros, set, exactLimit) => {
      if (!scratchGiven) {
        native!.setScratch(spinScratch())
        scratchGiven = true
      }
      const count = native!.readWaitingScratch(fd, capMicros, set, exactLimit)
      return count === -2 ? 0 : count
    }
  writeDirect = native === undefined
    ? writeNow
    : (fd, bytes, offset, length) => {
      const count = native!.writeFrom(fd, bytes, offset, length)
      return count < 0 ? 0 : count
    }
})

/** Past this, a run of waits in the loop after caps is 2^MAX_LEVEL - 1 long. */
const MAX_LEVEL = 6

/**
 * Whether a wait blocks in the kernel, from how recent ones ended: a wait that
 * reached its cap (the peer takes longer: it computes, or it waits itself)
 * makes the next ones wait in the loop, 1, then 3, 7, … up to 63 in a row as
 * caps repeat; one that ended readable ends that. A wait that the loop's work
 * ended says nothing about the peer.
 */
export class WaitPolicy {
  private level = 0
  private skip = 0

  shouldWait(): boolean {
    if (this.skip === 0) return true
    this.skip--
    return false
  }

  ended(ended: Ended): void {
    if (ended === "readable") this.level = 0
    else if (ended === "cap") {
      this.level = Math.min(MAX_LEVEL, this.level + 1)
      this.skip = (1 << this.level) - 1
    }
  }
}

/**
 * A reply read as soon as it comes, for a caller that just sent a request on a plain
 * socket and expects the answer within microseconds (the pool's only task in flight):
 * in the kernel where the addon is built (one wait, as its WaitPolicy allows), otherwise
 * a spin as its SpinPolicy allows (`Spinner`). Only while Node holds nothing unread from
 * the socket, so that bytes stay in order; what comes goes to `received`, as a 'data'
 * event's bytes would. Whether bytes came.
 */
export class ReplyReader {
  private readonly policy = new WaitPolicy()
  private readonly spinner = new Spinner()

  read(socket: Pick<Socket, "readableLength">, received: (chunk: Buffer) => void): boolean {
    const fd = descriptorOf(socket)
    // Without the addon, or on a channel with no descriptor (a thread's rings, which wait their own way): the Spinner's.
    if (waitReadable === undefined || fd === undefined) return this.spinner.read(socket, received)
    if (socket.readableLength > 0 || !this.policy.shouldWait()) return false
    const ended = waitReadable(fd, CAP_MICROS)
    this.policy.ended(ended)
    if (ended !== "readable") return false
    const into = spinScratch()
    // Nothing after all (another reader took it), or the end of the stream: Node's own next read tells.
    const count = readDirect(fd, into)
    if (count === undefined || count === 0) return false
    received(Buffer.from(into.subarray(0, count)))
    return true
  }
}
