const v8 = require("node:v8")
const lib = require("/tmp/snap/bundle.cjs")
globalThis.__lib = lib
v8.startupSnapshot.setDeserializeMainFunction(async () => {
  const { createRequire } = require("node:module")
  const req = createRequire(process.cwd() + "/")
  try { const m = req("/tmp/snap/cjsmod.cjs"); console.log("require ok", m.x) } catch (e) { console.log("require failed", e.message) }
  try { const m = await import("/tmp/snap/esmmod.mjs"); console.log("import ok", m.y) } catch (e) { console.log("import failed", e.message) }
  try { const m = await import("effect"); console.log("import effect ok", m.Effect === globalThis.__lib.Effect) } catch (e) { console.log("import effect failed", e.message) }
})
