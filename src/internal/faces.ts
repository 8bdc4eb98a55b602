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
 *   compat face settles it without a fiber.
 * - A compat object keeps the Effect object it wraps under `CompatWrapsKey`:
 *   what travels is the Effect object, marked with the face it left.
 * - The compat face registers, per kind family, how it wraps an Effect object
 *   that arrives in this process (`compatWrapper`); without the compat face
 *   loaded, the Effect object itself arrives.
 * - An Effect object may keep under `CallbacksKey` the callback forms of its
 *   per-call operations, which the compat face runs without a fiber per call
 *   (a Pool's tasks: `pool/pool.ts`).
 */
import { Effect } from "effect"

export const StartNowKey: unique symbol = Symbol.for("effect-multiprocessing/StartNow") as never

/** An operation's Effect: runs `start` when run; `start` may give an Exit when the work is done at once. */
export const operation = <A, E, R = never>(start: () => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Object.assign(Effect.suspend(start), { [StartNowKey]: start })

export const CallbacksKey: unique symbol = Symbol.for("effect-multiprocessing/Callbacks") as never

export const CompatWrapsKey: unique symbol = Symbol.for("effect-multiprocessing/compat/Wraps") as never

/** The Effect object a compat object wraps, or undefined for anything else. */
export const wrappedByCompat = (u: unknown): unknown =>
  typeof u === "object" && u !== null ? (u as Record<symbol, unknown>)[CompatWrapsKey] : undefined

const CompatWrappersKey = Symbol.for("effect-multiprocessing/compat/Wrappers")

type Wrappers = Map<string, (effectObject: any) => unknown>

const wrappers = (): Wrappers => {
  const global = globalThis as Record<symbol, Wrappers | undefined>
  return (global[CompatWrappersKey] ??= new Map())
}

/** The compat face's object for `effectObject` of kind `family`; the Effect object when the compat face is not loaded. */
export const compatWrapper = (family: string, effectObject: unknown): unknown => {
  const wrap = wrappers().get(family)
  return wrap === undefined ? effectObject : wrap(effectObject)
}
