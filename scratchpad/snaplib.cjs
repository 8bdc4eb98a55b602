const v8 = require("node:v8")
const compat = require("../dist/compat/index.js")
globalThis.__compat = compat
v8.startupSnapshot.setDeserializeMainFunction(() => {
  console.log("compat", typeof globalThis.__compat.Queue)
})
