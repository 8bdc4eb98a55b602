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

const parse = (caller: string): Holder => {
  const pid = Number.parseInt(caller, 10)
  const owner = /:(?:task)?(\d+)$/.exec(caller)
  return { pid: Number.isSafeInteger(pid) && pid > 0 ? pid : 0, owner: owner === null ? 0 : Number(owner[1]) }
}

const known = new Map<string, Holder>()
let lastCaller = ""
let lastHolder: Holder = { pid: 0, owner: 0 }

/** The holder `caller` stands for (the last one asked is answered without a lookup: the common case). */
export const holderOf = (caller: string): Holder => {
  if (caller === lastCaller) return lastHolder
  let holder = known.get(caller)
  if (holder === undefined) {
    holder = parse(caller)
    // Owners come and go (a compat task per withLock body): keep a bounded memory of them.
    if (known.size > 1024) known.clear()
    known.set(caller, holder)
  }
  lastCaller = caller
  lastHolder = holder
  return holder
}
