// node scratchpad/pingpong.mjs [hog]: median 16-byte round trip (µs) over a compat Pipe to a child, optionally with a spinning third process.
import { spawn } from "node:child_process"
import * as os from "node:os"
import { Pipe, Process } from "../dist/compat/index.js"
const hog = process.argv[2] === "hog" ? spawn(process.execPath, ["-e", "for(;;);"], { stdio: "ignore" }) : undefined
const echo = async (conn) => { for (;;) { const m = await conn.recvBytes(); await conn.sendBytes(m); if (m.length === 0) return } }
const [here, there] = await Pipe()
const child = new Process({ target: echo, args: [there] })
child.start(); there.close()
const msg = new Uint8Array(16)
const until = performance.now() + 300
while (performance.now() < until) { await here.sendBytes(msg); await here.recvBytes() }
const out = []
for (let i = 0; i < 3000; i++) { const t0 = performance.now(); await here.sendBytes(msg); await here.recvBytes(); out.push((performance.now() - t0) * 1000) }
await here.sendBytes(new Uint8Array(0)); await here.recvBytes(); here.close(); await child.join(); child.close()
hog?.kill()
out.sort((a, b) => a - b)
console.log(`${hog ? "busy" : "idle"} median ${out[1500].toFixed(1)} µs p90 ${out[2700].toFixed(1)} load ${os.loadavg()[0].toFixed(2)}`)
