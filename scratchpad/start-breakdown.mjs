import { spawn } from "node:child_process"
import { encode } from "../dist/internal/codec.js"
import { frame } from "../dist/internal/framing.js"
import { Process } from "effect-multiprocessing/compat"
const start = frame(encode({ _tag: "Start", target: { _tag: "Inline", name: "f", expression: "() => {}" }, args: [],
  process: { name: "P", daemon: false, authkey: "00", identity: [1], parentPid: process.pid, parentName: "MainProcess", executable: process.execPath } }))
console.log("start msg first byte", String.fromCharCode(start[4]))
const raw = (wrap) => () => new Promise((r) => { const args = [new URL("../dist/internal/child/bootstrap.js", import.meta.url).pathname]; const c = wrap ? spawn("/usr/bin/setpriv", ["--pdeathsig", "SIGTERM", process.execPath, ...args], { stdio: ["ignore", "inherit", "inherit", "pipe"] }) : spawn(process.execPath, args, { stdio: ["ignore", "inherit", "inherit", "pipe"] }); c.stdio[3].write(start); c.stdio[3].resume(); c.on("exit", r) })
const v = { floor: () => new Promise((r) => spawn(process.execPath, ["-e", ""], { stdio: "inherit" }).on("exit", r)), raw: raw(false), rawSetpriv: raw(true), compat: async () => { const p = new Process({ target: () => {} }); p.start(); await p.join() } }
const t = Object.fromEntries(Object.keys(v).map((k) => [k, []]))
for (let i = 0; i < 80; i++) for (const [k, f] of Object.entries(v)) { const t0 = performance.now(); await f(); t[k].push(performance.now() - t0) }
const med = (a) => a.sort((x, y) => x - y)[a.length >> 1]
for (const k of Object.keys(v)) console.log(k.padEnd(10), med(t[k]).toFixed(1), (med(t[k]) / med(t.floor)).toFixed(3))
