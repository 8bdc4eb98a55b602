// The child bootstrap runs at every process start, before anything else. As the
// several ES modules tsc emits it costs ~15% of a bare `node -e ""` start; as one
// CommonJS file, which Node loads without initializing its ES module loader, ~8%
// (scratchpad/start-forms.mjs). esbuild folds it into dist/internal/child/bootstrap.cjs.
// `import()` stays a real dynamic import, so target modules and Effect load as ES
// modules, the same instances the user's code gets.
import { build } from "esbuild"
import { rmSync } from "node:fs"

const dir = new URL("../dist/internal/child/", import.meta.url).pathname

// `node:module` at first use, not at load: Node's `module` loads its ES module loader (and three more of its
// modules), which a thread child's start would pay for only to make `require`s it may never use
// (scratchpad/thread-start-modules.mjs). The sources import `createRequire` from it; here that import is a
// function that loads it when called.
const lazyNodeModule = {
  name: "lazy-node-module",
  setup(build) {
    build.onResolve({ filter: /^node:module$/ }, (args) =>
      args.namespace === "lazy-node-module" ? { path: "node:module", external: true } : { path: "node:module", namespace: "lazy-node-module" })
    build.onLoad({ filter: /.*/, namespace: "lazy-node-module" }, () => ({
      contents: "exports.createRequire = (from) => require(\"node:module\").createRequire(from)",
      loader: "js"
    }))
  }
}

await build({
  entryPoints: [`${dir}bootstrap.js`],
  outfile: `${dir}bootstrap.cjs`,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  external: ["effect"],
  supported: { "dynamic-import": true },
  // The bundle's URL at first use too (`node:url` is another module a thread child would load for nothing).
  define: { "import.meta.url": "__bootstrap.url" },
  banner: { js: "const __bootstrap = { get url() { return require(\"node:url\").pathToFileURL(__filename).href } };" },
  plugins: [lazyNodeModule],
  sourcemap: true,
  logLevel: "warning"
})

// The ES module tsc emitted is only the bundle's input: nothing runs it.
for (const emitted of ["bootstrap.js", "bootstrap.js.map", "bootstrap.d.ts", "bootstrap.d.ts.map"]) {
  rmSync(`${dir}${emitted}`, { force: true })
}
