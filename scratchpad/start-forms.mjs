// Bootstrap as an ES module file, a CommonJS file, and `-e` source, against bare `node -e ""`.
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import { encode } from "../dist/internal/codec.js"
import { frame } from "../dist/internal/framing.js"
const start = frame(encode({ _tag: "Start", target: { _tag: "Inline", name: "f", expression: "() => {}" }, args: [],
  process: { name: "P", daemon: false, authkey: "00", identity: [1], parentPid: process.pid, parentName: "MainProcess", executable: process.execPath } }))
const cjsSource = fs.readFileSync("/tmp/bootstrap.cjs", "utf8")
const child = (args) => () => new Promise((r) => { const c = spawn(process.execPath, args, { stdio: ["ignore", "inherit", "inherit", "pipe"] }); c.stdio[3].write(start); c.stdio[3].resume(); c.stdio[3].on("error", () => {}); c.on("exit", r) })
const v = {
  floor: () => new Promise((r) => spawn(process.execPath, ["-e", ""], { stdio: "inherit" }).on("exit", r)),
  esmFile: child([new URL("../dist/internal/child/bootstrap.js", import.meta.url).pathname]),
  cjsFile: child(["/tmp/bootstrap.cjs"]),
  cjsEval: child(["-e", cjsSource])
}
const t = Object.fromEntries(Object.keys(v).map((k) => [k, []]))
for (let i = 0; i < 60; i++) for (const [k, f] of Object.entries(v)) { const t0 = performance.now(); await f(); t[k].push(performance.now() - t0) }
const med = (a) => a.sort((x, y) => x - y)[a.length >> 1]
for (const k of Object.keys(v)) console.log(k.padEnd(10), med(t[k]).toFixed(1), (med(t[k]) / med(t.floor)).toFixed(3))
