/**
 * What the Effect face's internals and the compat face share without the
 * compat face importing an internal module (it imports only the public ones):
 * symbols from the global registry (`Symbol.for`), which `compat/runtime.ts`
 * names again with the same keys. `test/dependencies.test.ts` checks the two
 * sides name the same symbols.
 *
 * - An operation's Effect may carry, under `StartNowKey`, the function that
 *   starts it: it acts at once and gives an Exit when the operation is already
 *   done (an uncontended owner-local lock, a message already read), so the
 *   compat face settles it without a fiber. One that must wait may carry, under
 *   `AwaitKey`, how to wait with a callback (a receive on a connection): the
 *   compat face settles that one without a fiber too.
 * - A compat object keeps the Effect object it wraps under `CompatWrapsKey`:
 *   what travels is the Effect object, marked with the face it left.
 * - The compat face registers, per kind family, how it wraps an Effect object
 *   that arrives in this process (`compatWrapper`); without the compat face
 *   loaded, the Effect object itself arrives. An Effect object revived from a
 *   reference names its family under `FamilyKey`, so that the compat face can
 *   wrap one the Effect face gave it (what a manager made).
 *   loaded, the Effect object itself arrives.
 * - An Effect object may keep under `CallbacksKey` the callback forms of its
 *   per-call operations, which the compat face runs without a fiber per call
 *   (a Pool's tasks: `pool/pool.ts`), or their started forms, which act at
 *   once as an operation's `start` does, without making the operation's Effect
 *   first (a Connection's sends and receives: `connection/connection.ts`).
 */
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"
import { Effect, type Exit } from "effect"

export const StartNowKey: unique symbol = Symbol.for("effect-multiprocessing/StartNow") as never

/** An operation's Effect: runs `start` when run; `start` may give an Exit when the work is done at once. */
export const operation = <A, E, R = never>(start: () => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Object.assign(Effect.suspend(start), { [StartNowKey]: start })

export const AwaitKey: unique symbol = Symbol.for("effect-multiprocessing/Await") as never

/** How an Effect that waits completes without a fiber: calls `done` once, with its Exit. */
export type Await<A, E> = (done: (exit: Exit.Exit<A, E>) => void) => void

/** `effect`, which waits, with the callback form of its wait (see `AwaitKey`). */
export const awaiting = <A, E, R>(effect: Effect.Effect<A, E, R>, wait: Await<A, E>): Effect.Effect<A, E, R> =>
  Object.assign(effect, { [AwaitKey]: wait })

/** The callback form of an Effect's wait, if it has one. */
export const awaitOf = <A, E, R>(effect: Effect.Effect<A, E, R>): Await<A, E> | undefined =>
  (effect as unknown as Record<symbol, Await<A, E> | undefined>)[AwaitKey]

export const CallbacksKey: unique symbol = Symbol.for("effect-multiprocessing/Callbacks") as never

/**
 * The key of the codec's refusal of what cannot travel inside a value
 * (`codec/notData.ts` names it too: the codec loads before Effect, this module
 * does not): the compat face marks its classes with it.
 */
export const NotDataKey: unique symbol = Symbol.for("effect-multiprocessing/NotData") as never

export const CompatWrapsKey: unique symbol = Symbol.for("effect-multiprocessing/compat/Wraps") as never

/** The Effect object a compat object wraps, or undefined for anything else. */
export const wrappedByCompat = (u: unknown): unknown =>
  typeof u === "object" && u !== null ? (u as Record<symbol, unknown>)[CompatWrapsKey] : undefined

/** The kind family of an Effect object revived from a reference (see revive.ts). */
export const FamilyKey: unique symbol = Symbol.for("effect-multiprocessing/Family") as never

const CompatFaceKey = Symbol.for("effect-multiprocessing/compat/Face")

/** What the compat face registers as it loads: its wrappers, and the URL of its entry module. */
interface CompatFace {
  readonly wrappers: Map<string, (effectObject: any) => unknown>
  entry?: string
}

const compatFace = (): CompatFace => {
  const global = globalThis as Record<symbol, CompatFace | undefined>
  return (global[CompatFaceKey] ??= { wrappers: new Map() })
}

/** The compat face's entry module, when this process has loaded it: what a receiver loads to wrap what it sends. */
export const compatEntry = (): string | undefined => compatFace().entry

/**
 * The compat face's object for `effectObject` of kind `family`. A process that
 * has not loaded the compat face (a child running an inline function) loads
 * it from `entry`, the sender's; without it, the Effect object arrives.
 */
export const compatWrapper = (family: string, effectObject: unknown, entry?: string): unknown => {
  const face = compatFace()
  if (!face.wrappers.has(family) && entry !== undefined) {
    try {
      createRequire(import.meta.url)(fileURLToPath(entry)) // an ES module, loaded synchronously (Node >= 20.19)
    } catch {
      // Not loadable here (another installation, or running from source): the Effect object arrives.
    }
  }
  const wrap = face.wrappers.get(family)
  return wrap === undefined ? effectObject : wrap(effectObject)
}

/**
 * On a library error decoded from another process (whose `stack` is that
 * process's): where it was raised. The compat face, which gives its errors
 * the stack of the caller's call, keeps that stack after it.
 */
export const RaisedInKey: unique symbol = Symbol.for("effect-multiprocessing/RaisedIn") as never

const EntriesKey = Symbol.for("effect-multiprocessing/Entries")

/** The library's entry modules loaded in this process, by the specifier a program imports each with. */
const entries = (): Map<string, object> => {
  const global = globalThis as Record<symbol, Map<string, object> | undefined>
  return (global[EntriesKey] ??= new Map())
}

/** Called by each entry module as it loads (`index.ts`, and the compat face's through its runtime). */
export const registerEntry = (specifier: string, namespace: object): void => {
  entries().set(specifier, namespace)
}

/** The specifiers of the loaded entry modules that export `name`: how a child's function can import it. */
export const entriesExporting = (name: string): ReadonlyArray<string> =>
  [...entries()].filter(([, namespace]) => name in namespace).map(([specifier]) => specifier)
