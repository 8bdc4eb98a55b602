// Plain Node ping-pong over a Unix socket: the floor of an event-loop wake-up under the same load.
import * as net from "node:net"
import { fork } from "node:child_process"
import * as os from "node:os"
import { spawn } from "node:child_process"
if (process.argv[2] === "child") {
  const s = net.connect(process.argv[3]); s.on("data", (d) => s.write(d))
} else {
  const hog = process.argv[2] === "hog" ? spawn(process.execPath, ["-e", "for(;;);"], { stdio: "ignore" }) : undefined
  const path = `/tmp/rawping-${process.pid}.sock`
  const server = net.createServer((s) => {
    server.close()
    const out = []; let t0 = 0, i = 0
    const msg = Buffer.alloc(20)
    s.on("data", () => {
      if (i++ > 2000) out.push((performance.now() - t0) * 1000)
      if (out.length === 3000) { s.destroy(); child.kill(); hog?.kill(); out.sort((a, b) => a - b); console.log(`raw node ${hog ? "busy" : "idle"} median ${out[1500].toFixed(1)} p90 ${out[2700].toFixed(1)} load ${os.loadavg()[0].toFixed(2)}`); return }
      t0 = performance.now(); s.write(msg)
    })
    t0 = performance.now(); s.write(msg)
  }).listen(path)
  const child = fork(new URL(import.meta.url).pathname, ["child", path])
}
