/**
 * What a child runs, made from a `Target` in the parent: an inline function
 * becomes source text, checked for free variables the child will not have; a
 * module export is resolved to its file (a `.js` name to its TypeScript source
 * as tsx does), with tsx's loader when that file is TypeScript.
 */
import { createRequire } from "node:module"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { Effect, Either } from "effect"
import { InvalidTargetError, UnportableFunctionError } from "../../Errors.js"
import type { TargetSpec } from "../../Multiprocessing.js"
import * as Target from "../../Target.js"
import { analyzeFunction, describeUnresolved } from "./freeVariables.js"

/** A target checked and turned into what the child runs; fails with why it cannot be carried. */
export const targetSpec = (
  target: Target.Target,
  name: string
): Either.Either<TargetSpec, UnportableFunctionError | InvalidTargetError> => {
  if (Target.isModuleTarget(target)) {
    const { exportName, url } = target[Target.ModuleTargetTypeId]
    return Either.right({ _tag: "Module", name: `${exportName} (${url})`, url, exportName })
  }
  if (typeof target !== "function") {
    return Either.left(
      new InvalidTargetError({
        message: `a process target must be a function or a module target, got ${target === null ? "null" : typeof target}`
      })
    )
  }
  const functionName = target.name || name
  const analysis = analyzeFunction(target)
  if (analysis.notPortable !== undefined) {
    return Either.left(
      new UnportableFunctionError({
        functionName,
        unresolved: [],
        message: `${functionName} cannot be sent to a child process as source: ${analysis.notPortable}. ` +
          "Use a module target instead: Target.moduleExport(new URL(\"./tasks.js\", import.meta.url), \"name\")."
      })
    )
  }
  if (analysis.unresolved.length > 0) {
    return Either.left(
      new UnportableFunctionError({
        functionName,
        unresolved: analysis.unresolved,
        message: describeUnresolved(functionName, analysis.unresolved, analysis.called)
      })
    )
  }
  return Either.right({ _tag: "Inline", name: functionName, expression: analysis.expression })
}

const TYPESCRIPT = /\.(?:ts|mts|cts|tsx)$/
const JAVASCRIPT = /\.(?:js|mjs|cjs|jsx)$/

/** A module target's file, checked to exist; `.js` names resolve to their TypeScript source as tsx does. */
const resolveModule = (
  specifier: string
): Effect.Effect<{ file: string; url: string; typescript: boolean }, InvalidTargetError> =>
  Effect.suspend(() => {
    const file = specifier.startsWith("file:") ? fileURLToPath(specifier) : path.resolve(specifier)
    const candidates = [file]
    if (JAVASCRIPT.test(file)) candidates.push(file.replace(/\.([mc]?)jsx?$/, ".$1ts"))
    for (const candidate of candidates) {
      if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) {
        return Effect.succeed({ file: candidate, url: pathToFileURL(candidate).href, typescript: TYPESCRIPT.test(candidate) })
      }
    }
    return Effect.fail(
      new InvalidTargetError({
        message: `module target not found: ${file}` +
          (candidates.length > 1 ? ` (nor ${candidates[1]})` : "") +
          ". Pass a file URL or path, e.g. new URL(\"./tasks.js\", import.meta.url)."
      })
    )
  })

/**
 * The file URL of one of tsx's exports ("./esm/api" to register it from the
 * bootstrap, "." for `--import`), looked up from `base` (the target module: the
 * user's project) first, then from this package. Read from tsx's package.json
 * rather than `import.meta.resolve`, which some module runners (vitest) lack.
 */
export const tsxExport = (subpath: "." | "./esm/api", base: string): Effect.Effect<string, InvalidTargetError> =>
  Effect.suspend(() => {
    for (const from of [base, fileURLToPath(import.meta.url)]) {
      try {
        const manifest = createRequire(from).resolve("tsx/package.json")
        const entry = JSON.parse(fs.readFileSync(manifest, "utf8")).exports[subpath]
        const file = typeof entry === "string" ? entry : entry.import.default
        return Effect.succeed(pathToFileURL(path.join(path.dirname(manifest), file)).href)
      } catch {
        // not installed there
      }
    }
    return Effect.fail(
      new InvalidTargetError({
        message: "a TypeScript module target needs tsx to load it in the child: install it (npm install --save-dev tsx), " +
          "or point the target at the compiled JavaScript"
      })
    )
  })

/** A TargetSpec ready to send: a module target resolved to its file, with tsx's loader when it is TypeScript. */
export const prepareTarget = (target: TargetSpec): Effect.Effect<{ target: TargetSpec; typescriptLoader: string | undefined }, InvalidTargetError> =>
  target._tag === "Inline"
    ? Effect.succeed({ target, typescriptLoader: undefined })
    : Effect.gen(function*() {
      const module = yield* resolveModule(target.url)
      return {
        target: { ...target, url: module.url },
        typescriptLoader: module.typescript ? yield* tsxExport("./esm/api", module.file) : undefined
      }
    })
