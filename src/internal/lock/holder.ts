/**
 * Who holds a shared-memory lock, as two words the lock keeps: the holder's
 * thread (its OS thread id, thisProcess/thisThread.ts, in the lock word
 * itself, so that one compare-and-swap takes the lock and names its thread,
 * and a waiter can tell its holder has died) and its owner within that
 * thread (Python's thread: the thread itself, an `asOwner` Effect or a compat
 * task, see served/backend.ts), a number never 0. Both are read off the caller
 * string every operation is made for, `<pid>.<tag>.<thread>.<owner>[:<n>|:task<n>]`,
 * so the process serving a Condition can act for a caller of another process.
 */

export interface Holder {
  /** The lock word's holder part: the OS thread id (the pid, for a caller that names no thread). */
  readonly thread: number
  /** The thread's own owner number, or that of its `asOwner` Effect or compat task; 0 for a caller that names none. */
  readonly owner: number
}

/** The most a lock word holds of a thread id (Linux's ids stay below 2^22). */
const THREAD = 0x3fffffff

/** A count as the caller string writes it, or 0. */
const count = (text: string): number => {
  const n = Number(text)
  return Number.isSafeInteger(n) && n > 0 ? n : 0
}

/** Read by hand, not by a regular expression: a compat task's caller is new at every `withLock`. */
const parse = (caller: string): Holder => {
  const colon = caller.indexOf(":")
  const [pid = "", , thread = pid, own = ""] = (colon < 0 ? caller : caller.slice(0, colon)).split(".")
  const owner = colon < 0 ? own : caller.startsWith("task", colon + 1) ? caller.slice(colon + 5) : caller.slice(colon + 1)
  const id = count(thread)
  return { thread: id <= THREAD ? id : 0, owner: count(owner) }
}

/**
 * The last two callers asked, and who they stand for: a compat `withLock`
 * asks for the process and for its task in turns, and a task's caller is
 * asked for only during that task.
 */
let lastCaller = ""
let lastHolder: Holder = { thread: 0, owner: 0 }
let previousCaller = ""
let previousHolder: Holder = lastHolder

/** The holder `caller` stands for. */
export const holderOf = (caller: string): Holder => {
  if (caller === lastCaller) return lastHolder
  if (caller === previousCaller) return previousHolder
  previousCaller = lastCaller
  previousHolder = lastHolder
  lastCaller = caller
  lastHolder = parse(caller)
  return lastHolder
}
