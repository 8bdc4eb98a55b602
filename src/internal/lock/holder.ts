/**
 * Who holds a shared-memory lock, as two words the lock keeps: the holder's
 * pid (in the lock word itself, so that a waiter can tell its holder has died)
 * and its owner within that process (Python's thread: the process itself, an
 * `asOwner` Effect or a compat task, see served/backend.ts). Both are read off
 * the caller string every operation is made for, `<pid>.<tag>[:<n>|:task<n>]`,
 * so the process serving a Condition can act for a caller of another process.
 */

export interface Holder {
  readonly pid: number
  /** 0 for the process itself, else the number of its `asOwner` Effect or compat task. */
  readonly owner: number
}

/** Read by hand, not by a regular expression: a compat task's caller is new at every `withLock`. */
const parse = (caller: string): Holder => {
  const pid = Number.parseInt(caller, 10)
  const colon = caller.lastIndexOf(":")
  const owner = colon < 0 ? 0 : Number(caller.startsWith("task", colon + 1) ? caller.slice(colon + 5) : caller.slice(colon + 1))
  return { pid: Number.isSafeInteger(pid) && pid > 0 ? pid : 0, owner: Number.isSafeInteger(owner) && owner > 0 ? owner : 0 }
}

/**
 * The last two callers asked, and who they stand for: a compat `withLock`
 * asks for the process and for its task in turns, and a task's caller is
 * asked for only during that task.
 */
let lastCaller = ""
let lastHolder: Holder = { pid: 0, owner: 0 }
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
