// Where a process start goes: bare node, node through setpriv, the bootstrap driven by hand, the compat face.
import { spawn } from "node:child_process"
import { encode } from "../dist/internal/codec.js"
import { frame } from "../dist/internal/framing.js"
import { Process } from "effect-multiprocessing/compat"
const N = 25
const bootstrap = new URL("../dist/internal/child/bootstrap.js", import.meta.url).pathname
const start = frame(encode({ _tag: "Start", target: { _tag: "Inline", name: "f", expression: "() => {}" }, args: [],
  process: { name: "P", daemon: false, authkey: new Uint8Array(32), identity: [1], parentPid: process.pid, parentName: "MainProcess", executable: process.execPath }, typescriptLoader: undefined }))
const variants = {
  floor: () => new Promise((r) => spawn(process.execPath, ["-e", ""], { stdio: "inherit" }).on("exit", r)),
  setpriv: () => new Promise((r) => spawn("setpriv", ["--pdeathsig", "SIGTERM", process.execPath, "-e", ""], { stdio: "inherit" }).on("exit", r)),
  rawBootstrap: () => new Promise((r) => { const c = spawn(process.execPath, [bootstrap], { stdio: ["ignore", "inherit", "inherit", "pipe"] }); c.stdio[3].write(start); c.stdio[3].resume(); c.on("exit", r) }),
  compat: async () => { const p = new Process({ target: () => {} }); p.start(); await p.join() }
}
const results = Object.fromEntries(Object.keys(variants).map((k) => [k, []]))
for (let round = 0; round < 5; round++) {
  for (const [name, run] of Object.entries(variants)) {
    const ts = []
    for (let i = 0; i < N; i++) { const t0 = performance.now(); await run(); ts.push(performance.now() - t0) }
    ts.sort((a, b) => a - b); results[name].push(ts[N >> 1])
  }
}
for (const [name, ms] of Object.entries(results)) { ms.sort((a, b) => a - b); console.log(name.padEnd(14), ms[2].toFixed(1), "ms  rounds:", ms.map((m) => m.toFixed(0)).join(" ")) }
