// The floor of an event-loop wait in Node: a 16-byte ping-pong over a Unix socket with plain 'data' events.
import * as net from "node:net"
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
const dir = mkdtempSync(join(tmpdir(), "raw-pp-")), path = join(dir, "s")
const N = Number(process.argv[2] ?? 20000)
const server = net.createServer((s) => {
  server.close()
  const msg = Buffer.alloc(16, 1)
  let i = 0, t0, c0, times = []
  let t = performance.now()
  s.on("data", () => {
    const now = performance.now()
    if (i >= 3000) times.push((now - t) * 1000)
    if (i === 3000) { t0 = now; c0 = process.cpuUsage() }
    if (++i === N + 3000) {
      const c = process.cpuUsage(c0)
      times.sort((a, b) => a - b)
      console.log(`raw node: median ${times[times.length >> 1].toFixed(1)} µs, mean ${((now - t0) * 1000 / N).toFixed(1)}, parent cpu ${((c.user + c.system) / N).toFixed(1)} µs/rtt`)
      s.destroy(); rmSync(dir, { recursive: true }); return
    }
    t = performance.now(); s.write(msg)
  })
  s.write(msg)
})
server.listen(path, () => spawn(process.execPath, ["-e", `const s=require("net").connect(${JSON.stringify(path)});s.on("data",(d)=>s.write(d));s.on("error",()=>{});s.on("close",()=>process.exit(0))`], { stdio: "inherit" }))
