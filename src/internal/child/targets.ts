/**
 * Loading and running targets in a child: a module export or an inline
 * function's source, and the value a call settles to (a target may return a
 * value, a Promise or an Effect). Shared by a Process's bootstrap and a pool
 * worker's task loop. Plain Node: Effect is imported only when a target
 * returns an Effect.
 */
import { createRequire } from "node:module"
import * as path from "node:path"
import type { SpanContext, TargetSpec } from "./controlMessages.js"
import { whileLoadingTarget } from "../thisProcess/processGlobals.js"
import { installChildHelpers } from "./helpers.js"

export type Target = (...args: Array<unknown>) => unknown

/** `require` as an inline target sees it: resolving from the child's working directory. */
export const childRequire = createRequire(path.join(process.cwd(), "noop.js"))

let typescriptRegistered: Promise<void> | undefined

/** Registers tsx's loader once (however many module loads ask at the same time), so that TypeScript modules can be imported. */
export const registerTypescript = (typescriptLoader: string | undefined): Promise<void> => {
  if (typescriptLoader === undefined) return Promise.resolve()
  return (typescriptRegistered ??= import(typescriptLoader).then((tsx: { register: () => unknown }) => void tsx.register()))
}

export const loadModuleTarget = async (spec: Extract<TargetSpec, { _tag: "Module" }>, typescriptLoader: string | undefined) => {
  await registerTypescript(typescriptLoader)
  const module = (await whileLoadingTarget(spec.url, () => import(spec.url))) as Record<string, unknown>
  const exported = module[spec.exportName]
  if (exported === undefined) {
    const available = Object.keys(module).filter((key) => typeof module[key] === "function")
    throw new Error(
      `module ${spec.url} has no export named "${spec.exportName}"` +
        (available.length > 0 ? ` (its function exports: ${available.join(", ")})` : "")
    )
  }
  if (typeof exported !== "function") {
    throw new Error(`export "${spec.exportName}" of ${spec.url} is a ${typeof exported}, not a function`)
  }
  return exported as Target
}

export const loadInlineTarget = (spec: Extract<TargetSpec, { _tag: "Inline" }>): Target => {
  installChildHelpers(childRequire)
  // sourceURL names the function in the child's stack traces instead of "eval at …".
  return (0, eval)(`(${spec.expression})\n//# sourceURL=inline:${encodeURIComponent(spec.name)}`)
}

const EffectTypeId = Symbol.for("effect/Effect")
export const isEffect = (u: unknown) => typeof u === "object" && u !== null && EffectTypeId in u
export const isThenable = (u: unknown): u is PromiseLike<unknown> =>
  (typeof u === "object" || typeof u === "function") && u !== null && typeof (u as PromiseLike<unknown>).then === "function"

/**
 * A target may return a value, a Promise or an Effect; this waits for the
 * value. `signal` interrupts an Effect (a pool task's soft time limit). With
 * `parentSpan` (the parent's span, as data), the Effect runs as its child: its
 * spans and logs join the parent's trace, under whatever tracer it provides.
 */
export const settle = async (result: unknown, signal?: AbortSignal, parentSpan?: SpanContext): Promise<unknown> => {
  const value = await result
  if (!isEffect(value)) return value
  const { Cause, Effect, Exit, Option, Tracer } = await import("effect")
  let effect = value as unknown as import("effect").Effect.Effect<unknown, unknown>
  if (parentSpan !== undefined) effect = Effect.withParentSpan(effect, Tracer.externalSpan(parentSpan))
  const exit = await Effect.runPromiseExit(effect, { signal })
  if (Exit.isSuccess(exit)) return exit.value
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure)) throw failure.value
  throw Cause.squash(exit.cause)
}
