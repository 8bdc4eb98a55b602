/**
 * The one runtime behind the compat face: every compat call runs the Effect
 * API on it. Failures come out as the library's own `Error` subclasses, not
 * wrapped in a FiberFailure.
 */
import { fileURLToPath } from "node:url"
import { Cause, Duration, Effect, Exit, ManagedRuntime, Option, Scope } from "effect"
import { TimeoutError } from "../Errors.js"
import * as NodeMultiprocessing from "../NodeMultiprocessing.js"
import type { Multiprocessing } from "../Multiprocessing.js"

export const runtime = ManagedRuntime.make(NodeMultiprocessing.layer)

/** The library's files (built, or their sources through source maps), Node's own and effect's: frames there are not the caller's. */
const notTheCallers = [new URL("../", import.meta.url), new URL("../../src/", import.meta.url)]
  .flatMap((directory) => [directory.href, fileURLToPath(directory)])
  .concat(["node:", "<anonymous>", "/node_modules/effect/"])
const FRAME = /^\s+at /
/** Where a library error decoded from another process was raised; its `stack` is that process's (see `internal/faces.ts`). */
const RaisedInKey = Symbol.for("effect-multiprocessing/RaisedIn")

/**
 * `error` with the stack of where this face was called: the library's frames
 * (effect's fiber runtime, the internals, this face) and Node's own are left
 * off the top, so the stack starts at the caller's call. Called where the
 * error is thrown: in a method, or in the reaction to a Promise the caller
 * awaits, where V8 gives the caller's frames as `at async …` frames. An
 * error raised in another process keeps that process's frames after the
 * caller's. (The text is made at once: a lazy `stack` accessor measured
 * slower per error.)
 */
export const fromCaller = <E>(error: E): E => {
  if (!(error instanceof Error)) return error
  const limit = Error.stackTraceLimit
  const site: { stack?: string } = {}
  Error.stackTraceLimit = limit + 40 // room for the frames left off
  Error.captureStackTrace(site)
  Error.stackTraceLimit = limit
  const frames = String(site.stack).split("\n").filter((line) => FRAME.test(line))
  const callers = frames.findIndex((line) => !notTheCallers.some((place) => line.includes(place)))
  const raisedIn = (error as unknown as Record<symbol, string | undefined>)[RaisedInKey]
  const there = raisedIn === undefined ? [] : [`  raised in ${raisedIn}:`, ...String(error.stack).split("\n").filter((line) => FRAME.test(line))]
  error.stack = [Error.prototype.toString.call(error), ...(callers === -1 ? [] : frames.slice(callers, callers + limit)), ...there].join("\n")
  return error
}

/** A failed Exit's error, as the caller sees it (see `fromCaller`). */
const failure = <E>(cause: Cause.Cause<E>): unknown => fromCaller(Cause.squash(cause))

const unwrap = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (Exit.isSuccess(exit)) return exit.value
  throw failure(exit.cause)
}

/** Runs an Effect that completes synchronously (state changes, signals, spawn). */
export const runSync = <A, E>(effect: Effect.Effect<A, E, Multiprocessing>): A => unwrap(runtime.runSyncExit(effect))

/**
 * The symbols the internals share with this face (see `internal/faces.ts`,
 * which names the same ones: the compat face imports no internal module).
 */
const StartNowKey = Symbol.for("effect-multiprocessing/StartNow")
/** Where an operation that waits may keep the callback form of its wait, settled here without a fiber. */
const AwaitKey = Symbol.for("effect-multiprocessing/Await")
type Await<A, E> = (done: (exit: Exit.Exit<A, E>) => void) => void
/** Where an Effect object keeps the callback forms of its per-call operations (a Pool's tasks), or their started forms (a Connection's). */
export const CallbacksKey = Symbol.for("effect-multiprocessing/Callbacks")
/** Where a compat object keeps the Effect object it wraps: what travels to another process. */
export const CompatWrapsKey = Symbol.for("effect-multiprocessing/compat/Wraps")
const CompatFaceKey = Symbol.for("effect-multiprocessing/compat/Face")
const NotDataKey = Symbol.for("effect-multiprocessing/NotData")
const FamilyKey = Symbol.for("effect-multiprocessing/Family")

const compatFace = (): { readonly wrappers: Map<string, (effectObject: any) => unknown>; entry?: string } => {
  const global = globalThis as Record<symbol, ReturnType<typeof compatFace> | undefined>
  return (global[CompatFaceKey] ??= { wrappers: new Map() })
}
// A child that receives this face's objects loads this face from here (see internal/faces.ts).
compatFace().entry = new URL("./index.js", import.meta.url).href

const EntriesKey = Symbol.for("effect-multiprocessing/Entries")

/** Names this face's entry module as the library's (see `registerEntry` in `internal/faces.ts`): the free-variable check's advice uses it. */
export const registerEntry = (specifier: string, namespace: object): void => {
  const global = globalThis as Record<symbol, Map<string, object> | undefined>
  ;(global[EntriesKey] ??= new Map()).set(specifier, namespace)
}

/** How this face wraps an Effect object of kind `family` that arrives from another process. */
export const registerWrapper = (family: string, wrap: (effectObject: any) => unknown): void => {
  compatFace().wrappers.set(family, wrap)
}

/**
 * This face's object for an Effect object another process made (what a
 * manager gives): wrapped as its kind family registered; anything else as it is.
 */
export const wrap = (effectObject: unknown): unknown => {
  const family = typeof effectObject === "object" && effectObject !== null ? (effectObject as Record<symbol, unknown>)[FamilyKey] : undefined
  const wrapper = typeof family === "string" ? compatFace().wrappers.get(family) : undefined
  return wrapper === undefined ? effectObject : wrapper(effectObject)
}

/** Marks a compat class whose instances cannot travel inside a value: the codec refuses them with `advice`. */
export const markNotData = (constructor: { readonly prototype: object }, what: string, advice: string): void => {
  Object.defineProperty(constructor.prototype, NotDataKey, { value: { what, advice } })
}

/** Marks a compat class whose instances cannot travel because the Effect objects they wrap cannot: the codec says the same of both. */
export const markNotDataAsWrapped = (constructor: { readonly prototype: object }): void => {
  Object.defineProperty(constructor.prototype, NotDataKey, {
    get(this: Record<symbol, Record<symbol, unknown> | undefined>) {
      return this[CompatWrapsKey]?.[NotDataKey]
    }
  })
}

/**
 * Runs an Effect that waits on another process. An operation that is done at
 * once (an uncontended lock, a message already read) settles without a fiber:
 * it is started here, and its Exit settles the promise; so does one that waits
 * with a callback (a receive).
 */
export const runPromise = <A, E>(effect: Effect.Effect<A, E, Multiprocessing>): Promise<A> => settled(effect, unwrap)

/** `runPromise`, answering with `answer(exit)`: what it returns resolves, what it throws (an error from `fromCaller`) rejects. */
const settled = <A, E, B>(effect: Effect.Effect<A, E, Multiprocessing>, answer: (exit: Exit.Exit<A, E>) => B): Promise<B> => {
  const start = (effect as unknown as Record<symbol, (() => Effect.Effect<A, E, Multiprocessing>) | undefined>)[StartNowKey]
  return answerStarted(start === undefined ? effect : start(), answer)
}

/**
 * `runPromise` of an operation already started: what its `start` gave (an
 * Exit when it was done at once), or what a per-call path under `CallbacksKey`
 * gave (a connection's sends and receives).
 */
export const settlePromise = <A, E>(started: Effect.Effect<A, E, Multiprocessing>): Promise<A> => answerStarted(started, unwrap)

const answerStarted = <A, E, B>(started: Effect.Effect<A, E, Multiprocessing>, answer: (exit: Exit.Exit<A, E>) => B): Promise<B> => {
  if (!Exit.isExit(started)) {
    const wait = (started as unknown as Record<symbol, Await<A, E> | undefined>)[AwaitKey]
    if (wait === undefined) return runtime.runPromiseExit(started).then(answer)
    // Settled from a socket's callback, where the caller's frames are not: the reaction, awaited by the caller, has them.
    return new Promise<Exit.Exit<A, E>>(wait).then(answer)
  }
  try {
    return Promise.resolve(answer(started as Exit.Exit<A, E>))
  } catch (error) {
    return Promise.reject(error)
  }
}

/** A TimeoutError, the Effect face's failure of a timed wait whose timeout ran out, or undefined. */
const timedOut = <E>(exit: Exit.Exit<unknown, E>): TimeoutError | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  const failure = Cause.failureOption(exit.cause)
  return Option.isSome(failure) && failure.value instanceof TimeoutError ? failure.value : undefined
}

/**
 * Python's answers to a timed wait, where the Effect face differs: when its
 * timeout runs out, the Effect face fails with TimeoutError and Python answers
 * `onTimeout` (false, null) or raises it (Empty, Full, BrokenBarrierError);
 * `done` is Python's answer when the wait ends in time, if not the Effect
 * face's (an Event's wait: true for void).
 */
export interface PythonTimedWait<A, B> {
  readonly onTimeout: (timedOut: TimeoutError) => Exit.Exit<B, unknown>
  readonly done?: (value: A) => B
}

/** Python's answers to a timed wait whose answer in time differs from the Effect face's too (an Event's wait: true, for void). */
export type PythonTimedWaitDone<A, B> = PythonTimedWait<A, B> & { readonly done: (value: A) => B }

/** Runs a timed wait of the Effect face (see `runPromise`) and answers as Python does (see `PythonTimedWait`). */
export function runTimedWait<A, E, B>(effect: Effect.Effect<A, E, Multiprocessing>, python: PythonTimedWaitDone<A, B>): Promise<B>
export function runTimedWait<A, E, B>(effect: Effect.Effect<A, E, Multiprocessing>, python: PythonTimedWait<A, B>): Promise<A | B>
export function runTimedWait<A, E, B>(effect: Effect.Effect<A, E, Multiprocessing>, python: PythonTimedWait<A, B>): Promise<A | B> {
  // Started and done already (a queue's put or get that found room or an item): nothing timed out.
  if (Exit.isExit(effect) && Exit.isSuccess(effect)) {
    const value = (effect as Exit.Success<A, E>).value
    return Promise.resolve(python.done === undefined ? value : python.done(value))
  }
  return settled(effect, (exit) => {
    const late = timedOut(exit)
    if (late !== undefined) return unwrap(python.onTimeout(late))
    return python.done === undefined ? unwrap(exit) : python.done(unwrap(exit))
  })
}

/** `runTimedWait` for a blocking call of the Effect face (a lock's `acquireSync`), which throws its TimeoutError. */
export const callTimedWait = <A, B>(wait: () => A, python: PythonTimedWait<A, B>): A | B => {
  try {
    const value = wait()
    return python.done === undefined ? value : python.done(value)
  } catch (error) {
    if (error instanceof TimeoutError) return unwrap(python.onTimeout(error))
    throw error
  }
}

/** Seconds, as Python's timeouts are, to an Effect duration; null/undefined means no timeout. */
export const seconds = (timeout: number | null | undefined): Duration.Duration | undefined =>
  timeout === null || timeout === undefined
    ? undefined
    : Number.isNaN(timeout)
    ? Duration.zero
    : Duration.millis(Math.max(0, timeout) * 1000) // Infinity gives an infinite Duration

/**
 * Python's `timeout` argument (seconds; null or undefined for none) as the
 * Effect face takes it. Anything else goes through as it is, for the Effect
 * face's TypeError or ValueError.
 */
export const secondsInput = (timeout: unknown): Duration.DurationInput | undefined =>
  timeout === null || timeout === undefined
    ? undefined
    : typeof timeout === "number"
    ? timeout * 1000 // NaN stays NaN; Infinity is no limit
    : (timeout as Duration.DurationInput)

/**
 * An object the Effect face makes in a Scope: here in a Scope of its own, so
 * that it is served until `close` (or its process exits), as Python's are.
 */
export const scoped = <A, E>(make: Effect.Effect<A, E, Scope.Scope | Multiprocessing>): { readonly value: A; readonly close: () => void } => {
  const scope = runSync(Scope.make())
  const value = runSync(Scope.extend(make, scope))
  return { value, close: () => runSync(Scope.close(scope, Exit.void)) }
}

/** `scoped`, for an object whose making waits (a process that starts, a socket that listens): closed again if it fails. */
export const scopedPromise = async <A, E>(
  make: Effect.Effect<A, E, Scope.Scope | Multiprocessing>
): Promise<{ readonly value: A; readonly close: () => Promise<void> }> => {
  const scope = runSync(Scope.make())
  const close = () => runtime.runPromise(Scope.close(scope, Exit.void))
  const made = await runtime.runPromiseExit(Scope.extend(make, scope))
  if (Exit.isSuccess(made)) return { value: made.value, close }
  await close()
  throw failure(made.cause)
}

/** The compat face of an Effect object's members: an Effect, or a function giving one, becomes a function giving a Promise. */
export type Promised<T> = {
  readonly [K in keyof T]: T[K] extends Effect.Effect<infer A, any, any> ? () => Promise<A>
    : T[K] extends (...args: infer P) => Effect.Effect<infer A, any, any> ? (...args: P) => Promise<A>
    : T[K]
}

/**
 * Gives a compat class the methods `names` that only translate: each runs the
 * member of the same name of the Effect object it wraps (under
 * `CompatWrapsKey`) and gives its Promise (see `Promised`).
 */
export const promising = (constructor: { readonly prototype: object }, names: ReadonlyArray<string>): void => {
  for (const name of names) {
    Object.defineProperty(constructor.prototype, name, {
      configurable: true,
      writable: true,
      value(this: Record<symbol, Record<string, unknown>>, ...args: Array<unknown>) {
        const wrapped = this[CompatWrapsKey]
        const member = wrapped[name]
        return runPromise(Effect.isEffect(member) ? member as Effect.Effect<unknown, unknown, Multiprocessing> : (member as (...args: Array<unknown>) => Effect.Effect<unknown, unknown, Multiprocessing>).apply(wrapped, args))
      }
    })
  }
}
