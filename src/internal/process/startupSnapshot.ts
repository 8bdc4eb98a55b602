/**
 * Starting a child from the start-up snapshot: a V8 heap that holds the child
 * bootstrap, both faces of the library, every kind of shared object and
 * Effect, built by `npm run build` (scripts/build-snapshot.mjs) into
 * `internal/child/snapshot.blob`. A child that revives shared objects or
 * Connection ends would otherwise load the library and Effect before its
 * target runs (about a second of CPU); from the snapshot it costs node's own
 * start and the heap's deserialization. A child that revives nothing starts
 * faster without it, so only those use it.
 *
 * The safety rule: code in the child that imports `effect` or the library by
 * name gets the installed modules, a second copy beside the snapshot's, whose
 * classes are not the snapshot's (`instanceof Empty` would fail). So only
 * inline targets that cannot import anything but Node's built-ins start from
 * the snapshot; module targets, pool workers, tsx and a custom `execArgv`
 * take the ordinary path. The blob serves only the node binary that built it
 * (same file, size, time and version) and the `dist/` it was built from.
 * `EFFECT_MULTIPROCESSING_SNAPSHOT=0` turns it off.
 */
import * as fs from "node:fs"
import { isBuiltin } from "node:module"
import { fileURLToPath } from "node:url"
import type { TargetSpec } from "../../Multiprocessing.js"

interface Manifest {
  readonly node: string
  readonly execPath: string
  readonly size: number
  readonly mtimeMs: number
  readonly dist: string
}

const blobPath = fileURLToPath(new URL("../child/snapshot.blob", import.meta.url))

let manifest: { readonly built: Manifest | undefined } | undefined

/** What snapshot.json records, when the blob beside it was built from this `dist/` by the node running now. */
const readManifest = (): Manifest | undefined => {
  try {
    const built = JSON.parse(fs.readFileSync(new URL("../child/snapshot.json", import.meta.url), "utf8")) as Manifest
    if (built.node !== process.version || built.dist !== new URL("../../", import.meta.url).href) return undefined
    return fs.existsSync(blobPath) ? built : undefined
  } catch {
    return undefined // not built (the build prints why), or not a built library (running from source)
  }
}

const executables = new Map<string, boolean>()

/** Whether `executable` is the very binary that built the blob. */
const builtBy = (executable: string, built: Manifest): boolean => {
  let same = executables.get(executable)
  if (same === undefined) {
    try {
      const stat = fs.statSync(executable)
      same = fs.realpathSync(executable) === built.execPath && stat.size === built.size && stat.mtimeMs === built.mtimeMs
    } catch {
      same = false
    }
    executables.set(executable, same)
  }
  return same
}

/** The blob a child of `executable` may start from, or undefined (none built, another node, or turned off). */
export const snapshotBlob = (executable: string): string | undefined => {
  if (process.env.EFFECT_MULTIPROCESSING_SNAPSHOT === "0") return undefined
  const built = (manifest ??= { built: readManifest() }).built
  return built !== undefined && builtBy(executable, built) ? blobPath : undefined
}

/** What could load a module other than Node's built-ins, or run code made from a string. */
const reachesModules = /\bimport\s*\(|\bimport\.meta\b|__vite_ssr_dynamic_import__|\beval\b|\bFunction\b|createRequire|\bmainModule\b|\bmodule\b/
const requireCall = /\brequire\b(\s*\(\s*(["'])([^"'`]*)\2\s*\))?/g

/**
 * Whether `target` cannot import what the snapshot holds (see the safety
 * rule above): an inline function whose source has no `import(`, and no
 * `require` but of Node's built-ins. Read from the text, strings included:
 * it may refuse a function that would be safe, never the other way round.
 */
export const canStartFromSnapshot = (target: TargetSpec): boolean => {
  if (target._tag !== "Inline" || reachesModules.test(target.expression)) return false
  for (const [, call, , specifier] of target.expression.matchAll(requireCall)) {
    if (call === undefined || !isBuiltin(specifier!)) return false
  }
  return true
}
