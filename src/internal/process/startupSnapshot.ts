/**
 * Starting a child from the start-up snapshot: a V8 heap that holds the child
 * bootstrap, both faces of the library, every kind of shared object and
 * every module of Effect and msgpackr, built by `npm run build` (scripts/build-snapshot.mjs)
 * into `internal/child/snapshot.blob`. A child that revives shared objects or
 * Connection ends, or whose target imports Effect or the library, would
 * otherwise load them before its target runs (about a second of CPU); from
 * the snapshot it costs node's own start and the heap's deserialization. A
 * child that needs neither starts faster without it, so only those use it.
 *
 * Code in such a child that imports `effect`, its modules or the library, by
 * name or by path, gets the snapshot's instances (`child/sharedModules.ts`),
 * so classes, symbols and tags are the same as the library's. A custom
 * `execArgv` takes the ordinary path. The blob serves only the node binary
 * that built it (same file, size, time and version) and the `dist/` it was
 * built from. `EFFECT_MULTIPROCESSING_SNAPSHOT=0` turns it off.
 */
import * as fs from "node:fs"
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
 * A module specifier naming what the snapshot holds, in an `import`, an
 * `import(…)`, an `export … from` or a `require(…)`: Effect and its modules,
 * the library, and Effect's own packages (which import Effect).
 */
const namesShared = /(?:\bfrom|\bimport|\brequire)\s*\(?\s*["'](?:effect|effect-multiprocessing|@effect\/[\w.-]+)(?:\/[^"']*)?["']/

const moduleSources = new Map<string, boolean>()

/** Whether the module at `url` names what the snapshot holds (read once per module; one it cannot read does not). */
const moduleNamesShared = (url: string): boolean => {
  let names = moduleSources.get(url)
  if (names === undefined) {
    try {
      names = namesShared.test(fs.readFileSync(new URL(url), "utf8"))
    } catch {
      names = false
    }
    moduleSources.set(url, names)
  }
  return names
}

/**
 * Whether `target` loads Effect or the library: a module the snapshot holds
 * (the manager's server), a module whose source imports them, an inline
 * function whose source does. Read from the text, not the module graph: a
 * module that reaches Effect through a module of its own starts the
 * ordinary way, slower, the same otherwise.
 */
export const targetNeedsLibrary = (target: TargetSpec): boolean =>
  target._tag === "Inline"
    ? namesShared.test(target.expression)
    : snapshotModules.includes(target.url) || moduleNamesShared(target.url)
