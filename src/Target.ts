/**
 * What a Process runs: an inline function, carried to the child as source
 * text, or a named export of a module, loaded by the child. A target may
 * return a value, a Promise or an Effect; the child waits for the value.
 *
 * Module targets keep their types: `Target.module<typeof import("./tasks.js")>(url)`
 * gives an object whose properties are the module's function exports, each a
 * `ModuleTarget` with the export's parameters and result.
 *
 * @since 0.1.0
 */
import type { Effect } from "effect"

/**
 * Any function: what a target's type ranges over.
 *
 * @since 0.1.0
 * @category models
 */
export type AnyFunction = (...args: Array<any>) => any

/**
 * What a target of type `F` produces once settled: Promises and Effects
 * unwrapped, a Promise of an Effect too (an async target that imports Effect).
 *
 * @since 0.1.0
 * @category models
 */
export type Result<F extends AnyFunction> = Awaited<ReturnType<F>> extends Effect.Effect<infer A, any, any> ? A
  : Awaited<ReturnType<F>>

/**
 * Where a module target keeps its module URL and export name.
 *
 * @since 0.1.0
 * @category symbols
 */
export const ModuleTargetTypeId: unique symbol = Symbol.for("effect-multiprocessing/ModuleTarget")

/**
 * A named export of a module, to be loaded and called in the child.
 *
 * @since 0.1.0
 * @category models
 */
export interface ModuleTarget<F extends AnyFunction = AnyFunction> {
  readonly [ModuleTargetTypeId]: { readonly url: string; readonly exportName: string }
  /** Phantom: the export's type. */
  readonly _F?: F
}

/**
 * A target: an inline function or a module export.
 *
 * @since 0.1.0
 * @category models
 */
export type Target<F extends AnyFunction = AnyFunction> = F | ModuleTarget<F>

/**
 * Whether `u` is a module target (made by `moduleExport` or `module`).
 *
 * @since 0.1.0
 * @category guards
 */
export const isModuleTarget = (u: unknown): u is ModuleTarget =>
  typeof u === "object" && u !== null && ModuleTargetTypeId in u

/**
 * One export of a module, by name. `module` is a file URL or path; for the
 * parameter and result types, give the export's type: `moduleExport<typeof tasks.square>(url, "square")`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const moduleExport = <F extends AnyFunction = AnyFunction>(module: string | URL, exportName: string): ModuleTarget<F> => ({
  [ModuleTargetTypeId]: { url: module instanceof URL ? module.href : module, exportName }
})

/**
 * The function exports of module type `M`, as targets.
 *
 * @since 0.1.0
 * @category models
 */
export type ModuleTargets<M> = {
  readonly [K in keyof M as M[K] extends AnyFunction ? K : never]: M[K] extends AnyFunction ? ModuleTarget<M[K]> : never
}

/**
 * Every export of a module as a typed target:
 *
 * ```ts
 * const tasks = Target.module<typeof import("./tasks.js")>(new URL("./tasks.js", import.meta.url))
 * Process.run({ target: tasks.square, args: [7] }) // Effect<number, …>
 * ```
 *
 * Nothing is imported here; the child loads the module when the process starts.
 *
 * @since 0.1.0
 * @category constructors
 */
export const module = <M>(module: string | URL): ModuleTargets<M> =>
  new Proxy({}, {
    get: (_, exportName) => typeof exportName === "string" ? moduleExport(module, exportName) : undefined
  }) as ModuleTargets<M>
