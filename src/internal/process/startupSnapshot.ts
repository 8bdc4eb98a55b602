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
 * the snapshot, and the manager's server when every callable registered with
 * it is such a function; other module targets, pool workers, tsx and a custom
 * `execArgv` take the ordinary path. The blob serves only the node binary that built it
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

const childDirectory = new URL("../child/", import.meta.url)

/**
 * The library's modules a child may import by URL (an entry module named by a
 * sender, the kinds the bootstrap revives, the manager's server): the snapshot
 * holds them (scripts/build-snapshot.mjs reads this list), so a child from it
 * gets those instead of loading them again.
 */
export const snapshotModules: ReadonlyArray<string> = [
  "../../index.js",
  "../../compat/index.js",
  "../kinds.js",
  "../manager/managerServer.js"
].map((relative) => new URL(relative, childDirectory).href)

/**
 * Whether `source`, an inline function's, cannot import what the snapshot
 * holds: no `import(`, and no `require` but of Node's built-ins. Read from the
 * text, strings and comments included, so it refuses some functions that
 * would be safe; it catches the ways code imports, not code written to hide
 * an import (`globalThis["req" + "uire"]`).
 */
const importsOnlyBuiltins = (source: string): boolean => {
  if (reachesModules.test(source)) return false
  for (const [, call, , specifier] of source.matchAll(requireCall)) {
    if (call === undefined || !isBuiltin(specifier!)) return false
  }
  return true
}

const qualifies = (spec: TargetSpec): boolean =>
  spec._tag === "Inline" ? importsOnlyBuiltins(spec.expression) : snapshotModules.includes(spec.url)

/** Code a child runs besides its target travels as target specs among the arguments (a manager's registered callables). */
const isTargetSpec = (u: Record<string, unknown>): u is TargetSpec & Record<string, unknown> =>
  (u._tag === "Inline" && typeof u.expression === "string") || (u._tag === "Module" && typeof u.url === "string")

const everySpecQualifies = (value: unknown, seen: Set<unknown>): boolean => {
  if (typeof value !== "object" || value === null || seen.has(value)) return true
  seen.add(value)
  if (isTargetSpec(value as Record<string, unknown>)) return qualifies(value as TargetSpec)
  const children = Array.isArray(value) ? value : value instanceof Map ? [...value.entries()] : Object.values(value)
  return children.every((child) => everySpecQualifies(child, seen))
}

/**
 * Whether a child running `target` on `args` may start from the snapshot: it
 * cannot import what the snapshot holds (see the safety rule above). An
 * inline function qualifies when it imports only Node's built-ins, a module
 * target when the snapshot holds its module (the manager's server), and the
 * same holds for every target spec among the arguments.
 */
export const canStartFromSnapshot = (target: TargetSpec, args: ReadonlyArray<unknown> = []): boolean =>
  qualifies(target) && everySpecQualifies(args, new Set())
