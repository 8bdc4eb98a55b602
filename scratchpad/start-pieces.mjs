import { spawn } from "node:child_process"
const N = 20
const variants = {
  floor: ["-e", ""],
  esmEmpty: ["scratchpad/pieces/empty.mjs"],
  net: ["-e", "require('net')"],
  v8: ["-e", "require('v8')"],
  title: ["-e", "process.title='x'"],
  importCodec: ["scratchpad/pieces/codec.mjs"],
  importAll: ["scratchpad/pieces/all.mjs"],
}
const results = Object.fromEntries(Object.keys(variants).map((k) => [k, []]))
for (let round = 0; round < 3; round++) for (const [name, args] of Object.entries(variants)) {
  const ts = []
  for (let i = 0; i < N; i++) { const t0 = performance.now(); await new Promise((r) => spawn(process.execPath, args, { stdio: "inherit" }).on("exit", r)); ts.push(performance.now() - t0) }
  ts.sort((a, b) => a - b); results[name].push(ts[N >> 1])
}
for (const [name, ms] of Object.entries(results)) { ms.sort((a, b) => a - b); console.log(name.padEnd(14), ms[1].toFixed(1)) }
