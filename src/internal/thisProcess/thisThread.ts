/**
 * This thread, as the system knows it: worker threads share their process's
 * pid, and each has its own copy of every module, so neither the pid nor a
 * module's counter tells the threads of one process apart. A shared-memory
 * lock names its holder by the OS thread id instead (Linux's tid: the main
 * thread's is the pid, a worker's its own, in the same number space), which
 * any process can also ask about: a thread that ended has no tid any more,
 * however it ended (terminated, `process.exit` in it, an uncaught error), and
 * nothing of the thread or its parent has to run to say so.
 */
import { randomInt } from "node:crypto"
import * as fs from "node:fs"
import { isAlive } from "./liveness.js"

let tid: number | undefined

/** Read at first use, not at load: the start-up snapshot's thread is not this one. */
const readTid = (): number => {
  try {
    // "<pid>/task/<tid>"
    const id = Number(fs.readlinkSync("/proc/thread-self").split("/").pop())
    if (Number.isSafeInteger(id) && id > 0) return id
  } catch {
    // No /proc (not Linux, where the shared-memory backend does not run either): the pid stands for every thread.
  }
  return process.pid
}

/** This thread's OS thread id. */
export const thisThread = (): number => (tid ??= readTid())

/** Whether the thread `thread` (an OS thread id) still runs: this one and this process's main thread do. */
export const threadRuns = (thread: number): boolean => thread === thisThread() || thread === process.pid || isAlive(thread)

/** Owner numbers take 31 bits; 0 names no owner. */
const OWNER_MASK = 0x7fffffff
let lastOwner: number | undefined

/**
 * The next owner number of this thread (its own, an `asOwner` Effect's, a
 * compat task's): never 0, and from a random start, so that a thread given
 * the id of one that ended holding a lock does not take that lock's owner for
 * one of its own.
 */
export const nextOwner = (): number => {
  lastOwner = ((lastOwner ?? randomInt(OWNER_MASK)) + 1) & OWNER_MASK
  return lastOwner === 0 ? nextOwner() : lastOwner
}
