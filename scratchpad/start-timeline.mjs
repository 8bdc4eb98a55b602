import { spawn } from "node:child_process"
import { encode } from "../dist/internal/codec.js"
import { frame } from "../dist/internal/framing.js"
const start = frame(encode({ _tag: "Start", target: { _tag: "Inline", name: "f", expression: "() => {}" }, args: [],
  process: { name: "P", daemon: false, authkey: "00", identity: [1], parentPid: process.pid, parentName: "MainProcess", executable: process.execPath } }))
const now = () => performance.timeOrigin + performance.now()
const rows = []
for (let i = 0; i < 15; i++) {
  const t0 = now()
  const line = await new Promise((r) => { const c = spawn(process.execPath, [process.argv[2]], { stdio: ["ignore", "inherit", "pipe", "pipe"] }); let err = ""; c.stderr.on("data", (d) => err += d); c.stdio[3].write(start); c.stdio[3].resume(); c.on("exit", () => r(err)) })
  const t1 = now()
  const j = JSON.parse(line)
  rows.push({ toOrigin: j.origin - t0, toFirst: j.first - t0, run: j.exit - j.first, exitToParent: t1 - j.exit, total: t1 - t0 })
}
for (const k of Object.keys(rows[0])) { const a = rows.map((r) => r[k]).sort((x, y) => x - y); console.log(k.padEnd(14), a[7].toFixed(1)) }
