// The start-up snapshot: a child that revives a Queue, a Lock or a Pipe end loads the
// library and Effect first, ~1 s of CPU; started from a V8 snapshot that holds them
// already, it costs about node's own start. esbuild folds the child bootstrap, both
// faces, every kind of shared object, Effect and msgpackr into one CommonJS file
// (dist/internal/child/snapshot.cjs); the running node builds it into
// dist/internal/child/snapshot.blob and snapshot.json records which node built it
// (a blob serves only the node binary that made it: nodeChild.ts checks). When the
// blob cannot be built, the build goes on without it and children start the ordinary
// way. Runs before bundle-bootstrap.mjs, which removes the bootstrap's ES module.
// User code in such a child that imports `effect`, `effect/*` or the library is resolved to
// shim modules that re-export the snapshot's namespaces (internal/child/sharedModules.ts):
// this writes them, one ES and one CommonJS shim per module, into
// dist/internal/child/shared/, with the export names read here.
import { build, transform } from "esbuild"
import { spawnSync } from "node:child_process"
import { createRequire } from "node:module"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const dist = new URL("../dist/", import.meta.url)
const child = new URL("internal/child/", dist)
const bundle = fileURLToPath(new URL("snapshot.cjs", child))
const blob = fileURLToPath(new URL("snapshot.blob", child))
const manifest = fileURLToPath(new URL("snapshot.json", child))
const runtime = fileURLToPath(new URL("snapshot-runtime.cjs", child))
const shims = new URL("shared/", child)
const outputs = [bundle, blob, manifest, runtime, fileURLToPath(shims), fileURLToPath(new URL("snapshot-msgpackr.mjs", child))]
const removeBuilt = () => {
  for (const file of outputs) fs.rmSync(file, { force: true, recursive: true })
}
removeBuilt()

/** The modules a child imports by URL that the snapshot holds (see internal/child/preloaded.ts), as the parent lists them. */
const { snapshotModules } = await import(new URL("internal/process/startupSnapshot.js", dist).href)

/** Effect's modules, as its package exports them: the specifier, its ES module (the one the library's code is bundled with) and its CommonJS twin. */
const effectModules = () => {
  const require = createRequire(new URL("index.js", dist))
  const packageJson = require.resolve("effect/package.json")
  const { exports } = JSON.parse(fs.readFileSync(packageJson, "utf8"))
  const root = path.dirname(packageJson)
  return Object.entries(exports)
    .filter(([subpath, target]) => subpath !== "./package.json" && !subpath.startsWith("./.") && typeof target === "object")
    .map(([subpath, target]) => ({
      name: `effect/${subpath === "." ? "index" : subpath.slice(2)}`,
      esm: fs.realpathSync(path.join(root, target.import)),
      cjs: fs.realpathSync(path.join(root, target.default))
    }))
}

/**
 * msgpackr, which the codec loads at a child's first message: its ES entry (what an `import` gets) and its
 * CommonJS one (what the codec's `require` gets), held as one instance made from `source`: the entry's modules
 * without its import of the native string extractor, which a snapshot cannot hold; the child attaches it at
 * first use (internal/child/msgpackrExtractor.ts). Loaded from disk, it cost each child ~25 ms of CPU.
 */
const msgpackrModule = () => {
  const cjs = fs.realpathSync(createRequire(new URL("index.js", dist)).resolve("msgpackr"))
  const root = path.dirname(path.dirname(cjs))
  const source = path.join(fileURLToPath(child), "snapshot-msgpackr.mjs")
  fs.writeFileSync(source, [
    "// msgpackr as its node entry (node-index.js) makes it, but for the native extractor: scripts/build-snapshot.mjs",
    `export * from ${JSON.stringify(path.join(root, "index.js"))}`,
    `export { PackrStream, UnpackrStream, PackrStream as EncoderStream, UnpackrStream as DecoderStream } from ${JSON.stringify(path.join(root, "stream.js"))}`,
    `import ${JSON.stringify(path.join(root, "struct.js"))}`,
    ""
  ].join("\n"))
  return { name: "msgpackr", esm: fs.realpathSync(path.join(root, "node-index.js")), cjs, source, unpack: path.join(root, "unpack.js") }
}

/** Every module the snapshot holds for user code too: Effect's, msgpackr and the library's (whose files are ES modules only). */
const sharedModules = () => {
  const byFile = new Map()
  for (const module of effectModules()) if (!byFile.has(module.esm)) byFile.set(module.esm, module)
  const msgpackr = msgpackrModule()
  byFile.set(msgpackr.esm, msgpackr)
  for (const url of snapshotModules) {
    const file = fileURLToPath(url)
    byFile.set(file, { name: `effect-multiprocessing/${path.relative(fileURLToPath(dist), file).replace(/\.js$/, "")}`, esm: file, cjs: file })
  }
  return [...byFile.values()]
}

const PRELOADED = `globalThis[Symbol.for("effect-multiprocessing/preloaded")]`

/** Writes the two shims of `module`, which re-export the namespace the snapshot holds under its URL; returns their paths. */
const writeShims = async (module) => {
  const url = pathToFileURL(module.esm).href
  const names = Object.keys(await import(url))
  const esm = path.join(fileURLToPath(shims), `${module.name}.mjs`)
  const cjs = path.join(fileURLToPath(shims), `${module.name}.cjs`)
  fs.mkdirSync(path.dirname(esm), { recursive: true })
  const namespace = `${PRELOADED}.get(${JSON.stringify(url)})`
  fs.writeFileSync(esm, [
    `// ${module.name}: the start-up snapshot's instance (internal/child/sharedModules.ts)`,
    `const namespace = ${namespace}`,
    ...names.map((name, i) => `const e${i} = namespace[${JSON.stringify(name)}]`),
    `export { ${names.map((name, i) => `e${i} as ${JSON.stringify(name)}`).join(", ")} }`
  ].join("\n") + "\n")
  fs.writeFileSync(cjs, `// ${module.name}: the start-up snapshot's instance (internal/child/sharedModules.ts)\nmodule.exports = ${namespace}\n`)
  return { url, source: module.source ?? module.esm, unpack: module.unpack, esm: pathToFileURL(esm).href, cjs, files: [module.esm, module.cjs] }
}

const entryOf = (shared) => {
  const esm = Object.fromEntries(shared.map(({ esm, url }) => [url, esm]))
  const cjs = Object.fromEntries(shared.flatMap(({ cjs, files }) => files.map((file) => [file, cjs])))
  return `
${shared.map(({ source }, i) => `import * as shared${i} from ${JSON.stringify(source)}`).join("\n")}
${shared.filter(({ unpack }) => unpack !== undefined).map(({ unpack }) => `import { setExtractor } from ${JSON.stringify(unpack)}`).join("\n")}
globalThis[Symbol.for("effect-multiprocessing/BuildingSnapshot")] = true
const { startupSnapshot } = require("node:v8")
const esmLoader = require("internal/modules/esm/loader")
const { main } = require("./bootstrap.js")
const { preload, useRuntimeCompiler } = require("./preloaded.js")
const { shareModules } = require("./sharedModules.js")
const { extractLazily } = require("./msgpackrExtractor.js")
preload({
${shared.map(({ url }, i) => `  ${JSON.stringify(url)}: shared${i},`).join("\n")}
})
delete globalThis[Symbol.for("effect-multiprocessing/BuildingSnapshot")]
startupSnapshot.setDeserializeMainFunction(() => {
  // A child started from the blob has no script in its argv; user code reads argv[1] (a main guard), as in a child started the ordinary way.
  // Node leaves Error.stackTraceLimit out of a deserialized heap: without it no error has a stack. V8's own default.
  if (typeof Error.stackTraceLimit !== "number") Error.stackTraceLimit = 10
  if (process.argv.length < 2) process.argv.push(${JSON.stringify(fileURLToPath(new URL("bootstrap.cjs", child)))})
  const runtime = ${JSON.stringify(runtime)}
  useRuntimeCompiler(() => require("node:module").createRequire(runtime)(runtime))
  shareModules(esmLoader, ${JSON.stringify({ esm, cjs })})
  extractLazily(setExtractor, () => require("node:module").createRequire(${JSON.stringify(shared.find(({ unpack }) => unpack !== undefined).unpack)})("msgpackr-extract"))
  main()
})
`
}

/**
 * The library derives paths from `import.meta.url` (the bootstrap's kinds.js, the
 * addon, the manager's server module, the compat face's entry): each module keeps
 * its own built file's URL, as if it had been imported from dist/.
 */
const ownUrl = {
  name: "import-meta-url",
  setup(builder) {
    builder.onLoad({ filter: /\.js$/ }, async (args) => {
      const href = pathToFileURL(args.path).href
      if (!href.startsWith(dist.href)) return undefined
      const { code } = await transform(fs.readFileSync(args.path, "utf8"), {
        define: { "import.meta.url": JSON.stringify(href) },
        format: "esm",
        loader: "js"
      })
      return { contents: code, loader: "js" }
    })
  }
}

const skip = (why) => {
  removeBuilt()
  console.warn(`start-up snapshot not built (children start without it): ${why}`)
}

try {
  const shared = await Promise.all(sharedModules().map(writeShims))
  fs.writeFileSync(runtime, [
    "// Compiled after a start-up snapshot's deserialization, so that its import() and eval() work: code compiled",
    "// into the snapshot has no dynamic import callback (internal/child/preloaded.ts).",
    "module.exports = { importModule: (specifier) => import(specifier), evaluate: (source) => (0, eval)(source) }",
    ""
  ].join("\n"))
  await build({
    stdin: { contents: entryOf(shared), resolveDir: fileURLToPath(child), sourcefile: "snapshot-entry.cjs", loader: "js" },
    outfile: bundle,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["*.node", "internal/*"],
    plugins: [ownUrl],
    logLevel: "error"
  })
  fs.rmSync(fileURLToPath(new URL("snapshot-msgpackr.mjs", child)), { force: true }) // bundled: only the build reads it
  // esbuild escapes what is not ASCII in strings, but not in comments: one "—" left in a comment makes V8
  // hold the whole 3.5 MB source as a two-byte string, 7 MB of the heap every child deserializes (the blob
  // went from 16.2 to 12.8 MB and a child's start from ~164 to ~136 ms of CPU). Escaped, they are ASCII.
  const source = fs.readFileSync(bundle, "utf8")
  fs.writeFileSync(bundle, source.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`))
  // --expose-internals lets the entry hold Node's ES module loader (internal/child/sharedModules.ts).
  const built = spawnSync(process.execPath, ["--expose-internals", "--snapshot-blob", blob, "--build-snapshot", bundle], {
    encoding: "utf8",
    timeout: 120_000
  })
  if (built.status !== 0 || !fs.existsSync(blob)) {
    skip(`node --build-snapshot ${built.error?.message ?? `exited with ${built.status ?? built.signal}`}\n${built.stderr}`)
  } else {
    const executable = fs.statSync(process.execPath)
    fs.writeFileSync(manifest, JSON.stringify({
      node: process.version,
      execPath: fs.realpathSync(process.execPath),
      size: executable.size,
      mtimeMs: executable.mtimeMs,
      dist: dist.href
    }, null, 2) + "\n")
  }
} catch (error) {
  skip(error instanceof Error ? error.message : String(error))
}
