/**
 * Modules a child already holds when it starts from the start-up snapshot
 * (scripts/build-snapshot.mjs): the library's own modules and Effect's, by the
 * URL of their file. Importing one of those URLs again would load a second
 * copy of the library and of Effect beside the snapshot's; this hands out the
 * snapshot's instead, and so do the shim modules user code is resolved to
 * (`sharedModules.ts`), which read the same map. Empty in a child started the
 * ordinary way.
 */
const PRELOADED_KEY = Symbol.for("effect-multiprocessing/preloaded")

const preloaded: Map<string, unknown> = ((globalThis as Record<symbol, Map<string, unknown> | undefined>)[PRELOADED_KEY] ??=
  new Map())

/** Called by the snapshot's entry while the snapshot is built. */
export const preload = (modules: Readonly<Record<string, unknown>>): void => {
  for (const [url, namespace] of Object.entries(modules)) preloaded.set(url, namespace)
}

/** Whether this child holds `url`'s module already. */
export const isPreloaded = (url: string): boolean => preloaded.has(url)

/** Whether this child started from the start-up snapshot (it holds the library's modules). */
export const fromSnapshot = (): boolean => preloaded.size > 0

/**
 * How code made at run time is compiled: `import()` and indirect `eval`.
 * Code compiled into the snapshot has no dynamic import callback (its
 * `import()` fails with ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING, and so does
 * one in code it evals), so a child from the snapshot takes these from a file
 * it loads after deserialization (`useRuntimeCompiler`), at first need: the
 * first `require` of a file costs 3–10 ms, which an inline target that
 * imports nothing does without.
 */
export interface RuntimeCompiler {
  readonly importModule: (specifier: string) => Promise<unknown>
  readonly evaluate: (source: string) => unknown
}

let compiler: RuntimeCompiler = {
  importModule: (specifier) => import(specifier),
  evaluate: (source) => (0, eval)(source)
}

let loadRuntime: (() => RuntimeCompiler) | undefined

export const useRuntimeCompiler = (load: () => RuntimeCompiler): void => {
  loadRuntime = load
}

const runtimeCompiler = (): RuntimeCompiler => {
  if (loadRuntime !== undefined) {
    compiler = loadRuntime()
    loadRuntime = undefined
  }
  return compiler
}

/** The module at `url`: the one this child holds, or a dynamic import. */
export const importModule = (url: string): Promise<unknown> =>
  preloaded.has(url) ? Promise.resolve(preloaded.get(url)) : runtimeCompiler().importModule(url)

/** Indirect `eval` of `source`, whose `import()` works in a child from the snapshot too. */
export const evaluate = (source: string): unknown =>
  loadRuntime !== undefined && !/\bimport\s*\(/.test(source) ? (0, eval)(source) : runtimeCompiler().evaluate(source)
