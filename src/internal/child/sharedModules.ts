/**
 * User code in a child from the start-up snapshot gets the snapshot's
 * modules: a target (module or inline) that imports `effect`, `effect/*`,
 * the library or its compat face, by name or by path, and a package that does
 * (`@effect/platform` importing `effect/Effect`), is resolved to a small shim
 * module that re-exports the namespace the snapshot holds (`preloaded.ts`), so
 * `instanceof Empty`, Effect's symbols, FiberRefs and Context tags are the
 * library's own. The build writes one ES module and one CommonJS shim per
 * shared module, with the export names it read then, and the table from each
 * module's real file to its shims (scripts/build-snapshot.mjs).
 *
 * The resolution is rewritten in this thread, after Node has resolved a
 * specifier as usual (so a different install of `effect` stays what it is):
 * Node 20's public hooks (`module.register`) run on a thread of their own,
 * which took 50 ms of CPU and 80-300 ms of wall time to start on this
 * machine, more than the rest of such a child's start; its ES module loader
 * is reached through the internal module the build captured
 * (`node --expose-internals --build-snapshot`), for the node binary that
 * built the blob and no other (`startupSnapshot.ts` checks). CommonJS's
 * `require` is rewritten through `Module._resolveFilename`.
 */
import Module from "node:module"

/** From the real file of each module the snapshot holds to its shims. */
export interface SharedModules {
  /** file URL of the ES module → file URL of its ES shim */
  readonly esm: Readonly<Record<string, string>>
  /** file path (the ES module's, and the CommonJS twin a package may have) → path of the CommonJS shim */
  readonly cjs: Readonly<Record<string, string>>
}

interface Resolved {
  readonly url: string
  readonly format?: string | null | undefined
}

/** The parts of Node's ES module loader (internal/modules/esm/loader) that resolve. */
interface ModuleLoader {
  defaultResolve(specifier: string, parentURL: string | undefined, attributes: unknown): Resolved
  resolve(specifier: string, parentURL: string | undefined, attributes: unknown): Resolved | Promise<Resolved>
  resolveSync(specifier: string, parentURL: string | undefined, attributes: unknown): Resolved
}

export interface EsmLoaderInternals {
  readonly getOrInitializeCascadedLoader: () => ModuleLoader
}

const isThenable = (u: unknown): u is Promise<Resolved> => typeof (u as Promise<unknown> | undefined)?.then === "function"

/**
 * Rewrites every resolution in this process to the shims. `resolve` and
 * `resolveSync` are wrapped too because once hooks are registered (tsx, for a
 * TypeScript target) they resolve on the hooks' thread, past `defaultResolve`.
 */
export const shareModules = (internals: EsmLoaderInternals, shared: SharedModules): void => {
  const toShim = (resolved: Resolved): Resolved => {
    const shim = shared.esm[resolved.url]
    return shim === undefined ? resolved : { ...resolved, url: shim, format: "module" }
  }
  const loader = internals.getOrInitializeCascadedLoader()
  const { defaultResolve, resolve, resolveSync } = loader
  loader.defaultResolve = function(specifier, parentURL, attributes) {
    return toShim(defaultResolve.call(this, specifier, parentURL, attributes))
  }
  loader.resolve = function(specifier, parentURL, attributes) {
    const resolved = resolve.call(this, specifier, parentURL, attributes)
    return isThenable(resolved) ? resolved.then(toShim) : toShim(resolved)
  }
  loader.resolveSync = function(specifier, parentURL, attributes) {
    return toShim(resolveSync.call(this, specifier, parentURL, attributes))
  }
  const cjs = Module as unknown as { _resolveFilename: (request: string, ...rest: Array<unknown>) => string }
  const resolveFilename = cjs._resolveFilename
  cjs._resolveFilename = function(request, ...rest) {
    const filename = resolveFilename.call(this, request, ...rest)
    return shared.cjs[filename] ?? filename
  }
}
