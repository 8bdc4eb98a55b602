/**
 * What the default codec refuses to carry inside a value, and how it says so.
 *
 * V8's serializer copies any object it does not know (a class instance) as a
 * plain object of its own enumerable fields, so the library's objects that live
 * in one process — a Connection, a Listener, a Process, a Pool, a Manager —
 * would arrive as `{}` or as a few useless fields. Their classes carry a
 * `NotDataKey` (on the prototype) saying what they are and what to send
 * instead; the codec's walk (`codec.ts`) refuses them, and functions, symbols
 * and Promises, with a `NotDataError` naming where in the value it found them.
 *
 * This module must not import `effect` (the child bootstrap loads it; see `codec.ts`).
 */

/** The key on a prototype whose value (`NotData`) says the object cannot travel inside a value, and why. */
export const NotDataKey = Symbol.for("effect-multiprocessing/NotData")

export interface NotData {
  /** What it is, with its article: "a Connection". */
  readonly what: string
  /** Why it cannot travel and what to do instead. */
  readonly advice: string
}

/** Marks a class: its instances are refused by the codec with `advice`. */
export const markNotData = (constructor: { readonly prototype: object }, what: string, advice: string): void => {
  Object.defineProperty(constructor.prototype, NotDataKey, { value: { what, advice } satisfies NotData })
}

/** Where in a value something was found: a key, an index, or a Map's or Set's entry. */
export type PathKey = string | number | { readonly mapKey: unknown } | { readonly mapValue: unknown } | { readonly setItem: true }

const NotDataErrorTypeId = Symbol.for("effect-multiprocessing/NotDataError")

/**
 * What the codec throws for something that cannot cross: its message names
 * the thing, where it is in the value ("at value.jobs[2].conn") and what to do.
 */
export class NotDataError extends Error {
  readonly [NotDataErrorTypeId] = true
  /** From the outside in; the walk adds each level as the error passes through it. */
  readonly path: Array<PathKey> = []

  /** The refused thing itself, for finding where it is (not enumerable: it is no field of the error's). */
  declare readonly culprit: unknown

  constructor(readonly what: string, readonly advice: string, culprit?: unknown) {
    super(`${what} is not data: ${advice}`)
    this.name = "NotDataError"
    Object.defineProperty(this, "culprit", { value: culprit })
  }

  /** The walk passed through `key` on its way to the refused thing. */
  within(key: PathKey): this {
    this.path.unshift(key)
    return this.reword()
  }

  /** Its message (and the stack's first line) as `describe` gives it with these arguments. */
  reword(root?: string, drop?: number, shift?: number): this {
    const before = `${this.name}: ${this.message}`
    this.message = this.describe(root, drop, shift)
    if (this.stack?.startsWith(before)) this.stack = `${this.name}: ${this.message}${this.stack.slice(before.length)}`
    return this
  }

  /**
   * The message, naming the place as `root` followed by the path: `drop` leading
   * keys left out (the envelope the value travelled in), and `shift` added to
   * the first index left (an item's place in a whole input, not in its chunk).
   */
  describe(root = "value", drop = 0, shift = 0): string {
    const path = this.path.slice(drop)
    if (shift !== 0 && typeof path[0] === "number") path[0] += shift
    const at = path.length === 0 ? "" : ` (at ${root}${path.map(renderKey).join("")})`
    return `${this.what}${at} is not data: ${this.advice}`
  }
}

/** Whether `error` is a `NotDataError` (of any copy of this module in the process). */
export const isNotDataError = (error: unknown): error is NotDataError =>
  typeof error === "object" && error !== null && NotDataErrorTypeId in error

const identifier = /^[A-Za-z_$][\w$]*$/

const renderValue = (key: unknown): string =>
  typeof key === "string" ? JSON.stringify(key) : typeof key === "number" || typeof key === "boolean" ? String(key) : "…"

const renderKey = (key: PathKey): string => {
  if (typeof key === "number") return `[${key}]`
  if (typeof key === "string") return identifier.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`
  return "setItem" in key ? ".values()" : "mapKey" in key ? ".keys()" : `.get(${renderValue(key.mapValue)})`
}

/** The advice after V8's own refusals (a WeakMap, a Proxy, a generator …). */
export const WHAT_CROSSES = "Send data: objects, arrays, Map, Set, Date, RegExp, typed arrays, Errors, and shared " +
  "primitives and proxies, which arrive as proxies (class instances arrive as plain objects of their fields)"

/** The advice for things of JavaScript itself. */
export const FUNCTION_ADVICE = "send the data it needs instead, and run the function as a Process or Pool target " +
  "(a module export, or an inline function) where it is needed"
export const SYMBOL_ADVICE = "a symbol is unique to its process; send a string instead"
export const PROMISE_ADVICE = "it settles only in this process; await it and send its value"

/** A Connection, either face: only a Process's (or a Pool initializer's) arguments hand its descriptor over. */
export const CONNECTION_ADVICE = "it can only be handed to a child as an argument of a Process (or of a Pool's " +
  "initializer), which passes its descriptor over at start, not inside a message, a queue item or a task's arguments"

/** A Listener, either face. */
export const LISTENER_ADVICE = "it accepts connections only in the process that made it; send its address instead, " +
  "and connect to it there (Listener.client(address); compat: Client(address))"

/** A Process object, either face. */
export const PROCESS_ADVICE = "it is its parent's handle on the child process; send the child's pid or name instead"

/** A Pool, either face. */
export const POOL_ADVICE = "as in Python, a pool cannot be passed between processes: only the process that made it " +
  "submits tasks to it; submit from there, and send the data or the results instead"

/** A Manager (the manager object, not the proxies it makes), either face. */
export const MANAGER_ADVICE = "send the proxies it makes instead (a dict, a list, a Lock …), which reach its server " +
  "from any process; another program can connect() to a manager served over TCP with its address and authkey"
