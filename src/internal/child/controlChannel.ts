/**
 * The child's end of its control channel, whatever carries it: descriptor 3
 * (a socket pair) in a child process, the thread's message port in a child
 * that is a worker thread ("thread" start method). The bootstrap and the pool
 * worker read the Start message, write frames and open the channel as a
 * stream through here and know nothing else of the difference.
 */
import * as fs from "node:fs"
import { createRequire } from "node:module"
import type { Socket } from "node:net"
import { decode } from "../codec/codec.js"
import { PortStream } from "../wire/portStream.js"
import { RingChannel } from "../wire/ringChannel.js"
import { CONTROL_FD, FIRST_HANDLE_FD, READY_FD, SPARE_ENV, type StartMessage, THREAD_START_KEY } from "./controlMessages.js"
import { builtin } from "../builtin.js"
import { handedDescriptors } from "../thisProcess/processGlobals.js"

/**
 * `node:worker_threads`, loaded at first use: loaded while the start-up
 * snapshot is built, it leaves Node's own threads broken in every process
 * started from the snapshot (module.register's hooks thread never comes up).
 */
const workerThreads = (): typeof import("node:worker_threads") => builtin("node:worker_threads")

let thread: { readonly start: Uint8Array | undefined } | undefined

/** The encoded Start message a thread is given with its workerData; undefined in a process. */
const threadStart = (): Uint8Array | undefined => {
  if (thread === undefined) {
    const { isMainThread, workerData } = workerThreads()
    thread = { start: isMainThread ? undefined : (workerData as Record<string, Uint8Array> | undefined)?.[THREAD_START_KEY] }
  }
  return thread.start
}

/** Whether this child is a worker thread of its parent's process. */
export const inThread = (): boolean => threadStart() !== undefined

/**
 * Reads exactly `length` bytes from the control channel, blocking: the parent
 * writes the Start message as soon as it has spawned us, and nothing can run
 * before it arrives. End of file here means the parent is already gone.
 */
const readExactly = (length: number): Buffer => {
  const buffer = Buffer.allocUnsafe(length)
  for (let offset = 0; offset < length;) {
    const read = fs.readSync(CONTROL_FD, buffer, offset, length - offset, null)
    if (read === 0) process.exit(1)
    offset += read
  }
  return buffer
}

/**
 * A ready process says it is booted (its parent then prefers it to one still
 * booting) by closing its readiness descriptor, right before it blocks on its
 * first read; the variable that made it one goes, unseen by its target.
 */
let wasReadyProcess = false

const announceReady = () => {
  if (process.env[SPARE_ENV] !== "1") return
  wasReadyProcess = true
  delete process.env[SPARE_ENV]
  try {
    fs.closeSync(READY_FD)
  } catch {
    // not there: the parent learns it from the Start's answer instead
  }
}

/** The Start message: the first frame on descriptor 3, or the thread's workerData. */
export const readStart = (): StartMessage => {
  const start = threadStart()
  if (start !== undefined) return decode(start) as StartMessage
  announceReady()
  const length = readExactly(4).readInt32BE(0)
  if (length < -1) process.exit(1) // not our parent speaking
  const payload = readExactly(length === -1 ? Number(readExactly(8).readBigUInt64BE(0)) : length)
  return decode(payload) as StartMessage
}

/** Writes all of `bytes` to the control channel, blocking; a parent already gone ends the child quietly. */
export const writeAll = (bytes: Uint8Array): void => {
  if (inThread()) return void channelStream().write(bytes)
  for (let offset = 0; offset < bytes.byteLength;) {
    try {
      offset += fs.writeSync(CONTROL_FD, bytes, offset)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EAGAIN") continue
      process.exit(1) // EPIPE: nobody is listening any more
    }
  }
}

let stream: Socket | PortStream | undefined

/**
 * The channel as a stream (opened once): a socket over descriptor 3, or the
 * thread's port. Either holds the event loop while it has listeners.
 */
export const channelStream = (): Socket => {
  if (stream === undefined) {
    if (inThread()) {
      stream = new PortStream(workerThreads().parentPort!)
    } else {
      const net = builtin<typeof import("node:net")>("node:net")
      stream = new net.Socket({ fd: CONTROL_FD, readable: true, writable: true })
    }
  }
  // The pool worker and the bootstrap use what both have: write, end, data, end-of-stream, writableLength.
  return stream as Socket
}

/**
 * A pool worker's channel: the control channel in a process; in a thread, the
 * rings in shared memory its pool posted first on the port (`ringChannel.ts`),
 * taken from the port synchronously before anything else reads it.
 */
export const poolChannel = (): Socket => {
  if (inThread()) {
    const { parentPort, receiveMessageOnPort } = workerThreads()
    const rings = RingChannel.accept(receiveMessageOnPort(parentPort!)?.message)
    if (rings !== undefined) {
      // Waiting on the rings holds no handle: the port, listened to, keeps the thread running until the pool ends it.
      parentPort!.on("message", () => {})
      return rings as unknown as Socket
    }
  }
  return channelStream()
}

/**
 * A ready process given Connection ends: its parent sends their descriptors
 * after the Start message, on one byte of the control channel (SCM_RIGHTS,
 * native/descriptors.c), since they could not be stdio of a spawn that came
 * first. Received here, before anything else reads the channel, and published
 * for the arguments' revival under the numbers the Start message names them
 * by (4, 5 …). A child spawned for its start has them there already.
 */
export const receiveHandedDescriptors = (start: StartMessage): void => {
  if (!wasReadyProcess || start.handles === undefined || start.handles === 0) return
  const native = createRequire(import.meta.url)("../../native/shm.node") as {
    receiveDescriptors(socket: number, count: number): Array<number> | number
  }
  const fds = native.receiveDescriptors(CONTROL_FD, start.handles)
  if (typeof fds === "number") process.exit(1) // the parent is gone (or did not follow the protocol)
  fds.forEach((fd, index) => handedDescriptors().set(FIRST_HANDLE_FD + index, fd))
}
