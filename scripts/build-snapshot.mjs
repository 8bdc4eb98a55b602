// The start-up snapshot: a child that revives a Queue, a Lock or a Pipe end loads the
// library and Effect first, ~1 s of CPU; started from a V8 snapshot that holds them
// already, it costs about node's own start. esbuild folds the child bootstrap, both
// faces, every kind of shared object and Effect into one CommonJS file
// (dist/internal/child/snapshot.cjs); the running node builds it into
// dist/internal/child/snapshot.blob and snapshot.json records which node built it
// (a blob serves only the node binary that made it: nodeChild.ts checks). When the
// blob cannot be built, the build goes on without it and children start the ordinary
// way. Runs before bundle-bootstrap.mjs, which removes the bootstrap's ES module.
import { build, transform } from "esbuild"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const dist = new URL("../dist/", import.meta.url)
const child = new URL("internal/child/", dist)
const bundle = fileURLToPath(new URL("snapshot.cjs", child))
const blob = fileURLToPath(new URL("snapshot.blob", child))
const manifest = fileURLToPath(new URL("snapshot.json", child))
for (const file of [bundle, blob, manifest]) fs.rmSync(file, { force: true })

/** The modules a child imports by URL that the snapshot holds (see internal/child/preloaded.ts), as the parent lists them. */
const { snapshotModules } = await import(new URL("internal/process/startupSnapshot.js", dist).href)
const relativeToChild = (url) => {
  const relative = path.relative(fileURLToPath(child), fileURLToPath(url))
  return relative.startsWith(".") ? relative : `./${relative}`
}

const entry = `
globalThis[Symbol.for("effect-multiprocessing/BuildingSnapshot")] = true
const { startupSnapshot } = require("node:v8")
const { main } = require("./bootstrap.js")
require("./preloaded.js").preload({
${snapshotModules.map((url) => `  ${JSON.stringify(url)}: require(${JSON.stringify(relativeToChild(url))}),`).join("\n")}
})
delete globalThis[Symbol.for("effect-multiprocessing/BuildingSnapshot")]
startupSnapshot.setDeserializeMainFunction(main)
`

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
  for (const file of [bundle, blob, manifest]) fs.rmSync(file, { force: true })
  console.warn(`start-up snapshot not built (children start without it): ${why}`)
}

try {
  await build({
    stdin: { contents: entry, resolveDir: fileURLToPath(child), sourcefile: "snapshot-entry.cjs", loader: "js" },
    outfile: bundle,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["*.node"],
    plugins: [ownUrl],
    logLevel: "error"
  })
  const built = spawnSync(process.execPath, ["--snapshot-blob", blob, "--build-snapshot", bundle], {
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
