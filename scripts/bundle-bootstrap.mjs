// The child bootstrap runs at every process start, before anything else. As the
// several ES modules tsc emits it costs ~15% of a bare `node -e ""` start; as one
// CommonJS file, which Node loads without initializing its ES module loader, ~8%
// (scratchpad/start-forms.mjs). esbuild folds it into dist/internal/child/bootstrap.cjs.
// `import()` stays a real dynamic import, so target modules and Effect load as ES
// modules, the same instances the user's code gets.
import { buildSync } from "esbuild"
import { rmSync } from "node:fs"

const dir = new URL("../dist/internal/child/", import.meta.url).pathname
buildSync({
  entryPoints: [`${dir}bootstrap.js`],
  outfile: `${dir}bootstrap.cjs`,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  external: ["effect"],
  supported: { "dynamic-import": true },
  define: { "import.meta.url": "__bootstrapUrl" },
  banner: { js: "const __bootstrapUrl = require(\"node:url\").pathToFileURL(__filename).href;" },
  sourcemap: true,
  logLevel: "warning"
})

// The ES module tsc emitted is only the bundle's input: nothing runs it.
for (const emitted of ["bootstrap.js", "bootstrap.js.map", "bootstrap.d.ts", "bootstrap.d.ts.map"]) {
  rmSync(`${dir}${emitted}`, { force: true })
}
