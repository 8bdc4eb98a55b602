/**
 * Loading and running targets in a child: a module export or an inline
 * function's source, and the value a call settles to (a target may return a
 * value, a Promise or an Effect). Shared by a Process's bootstrap and a pool
 * worker's task loop. Plain Node: Effect is imported only when a target
 * returns an Effect.
 */
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import type { SpanContext, TargetSpec } from "./controlMessages.js"
import { whileLoadingTarget } from "../thisProcess/processGlobals.js"
import { installChildHelpers } from "./helpers.js"
import { evaluate, fromSnapshot, importModule } from "./preloaded.js"

export type Target = (...args: Array<unknown>) => unknown

let requireFromCwd: NodeJS.Require | undefined

/**
 * `require` as an inline target sees it: resolving from the child's working
 * directory (made at first use, not at load: the start-up snapshot would
 * freeze the directory it was built in).
 */
export const childRequire = (): NodeJS.Require => (requireFromCwd ??= createRequire(path.join(process.cwd(), "noop.js")))

let typescriptRegistered: Promise<void> | undefined

/** Registers tsx's loader once (however many module loads ask at the same time), so that TypeScript modules can be imported. */
export const registerTypescript = (typescriptLoader: string | undefined): Promise<void> => {
  if (typescriptLoader === undefined) return Promise.resolve()
  return (typescriptRegistered ??= importModule(typescriptLoader).then((tsx) => void (tsx as { register: () => unknown }).register()))
}

/**
 * Whether this child loads `specifier` ahead of a TypeScript target that
 * imports it: the library's faces (by the package's own name, which resolves
 * here as it does for the target) and Effect's modules.
 */
const preloads = (specifier: string): boolean => /^(effect|effect-multiprocessing)(\/|$)/.test(specifier)

/**
 * Loads, before tsx's hooks are registered, the packages a TypeScript target
 * imports. Once hooks are registered every module a process loads goes
 * through them, one round trip to the hooks' thread each: the library and
 * Effect are ~700 modules, which doubled a child's start (2.1 s of CPU instead
 * of 1.0 here). Loaded first, they are in the module map when the target
 * imports them, and the hooks see only the target's own files. A guess read
 * from the source: what it misses loads the slow way, what fails here fails
 * again, and is reported, at the target's own import.
 */
const preloadImportsOf = async (url: string): Promise<void> => {
  let source: string
  try {
    source = readFileSync(new URL(url), "utf8")
  } catch {
    return
  }
  const toLoad = new Set<string>()
  for (const [, specifier] of source.matchAll(/(?:\bfrom|\bimport\s*\(?)\s*["']([^"'./][^"']*)["']/g)) {
    if (preloads(specifier!)) toLoad.add(specifier!)
  }
  await Promise.all([...toLoad].map((specifier) => import(specifier).catch(() => undefined)))
}

export const loadModuleTarget = async (spec: Extract<TargetSpec, { _tag: "Module" }>, typescriptLoader: string | undefined) => {
  // A child from the start-up snapshot holds them already.
  if (typescriptLoader !== undefined && typescriptRegistered === undefined && !fromSnapshot()) await preloadImportsOf(spec.url)
  await registerTypescript(typescriptLoader)
  const module = (await whileLoadingTarget(spec.url, () => importModule(spec.url))) as Record<string, unknown>
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
  return evaluate(`(${spec.expression})\n//# sourceURL=inline:${encodeURIComponent(spec.name)}`) as Target
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
