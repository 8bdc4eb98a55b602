const v8 = require("node:v8")
const lib = require("/tmp/snap/bundle.cjs")
globalThis.__lib = lib
v8.startupSnapshot.setDeserializeMainFunction(() => {
  const t = performance.now()
  console.log("main", typeof globalThis.__lib.Effect.runSync, process.argv.slice(2))
})
