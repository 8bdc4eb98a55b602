import { spawn } from "node:child_process"
import * as os from "node:os"
import { Pipe, Process } from "../dist/compat/index.js"
import { EffectConnectionKey } from "../dist/internal/handles.js"
const hog = process.argv[2] === "hog" ? spawn(process.execPath, ["-e", "for(;;);"], { stdio: "ignore" }) : undefined
const echo = async (conn) => { for (;;) { const m = await conn.recvBytes(); await conn.sendBytes(m); if (m.length === 0) return } }
const [here, there] = await Pipe()
const child = new Process({ target: echo, args: [there] })
child.start(); there.close()
const msg = new Uint8Array(16)
await here.sendBytes(msg); await here.recvBytes()
let tData = 0
here[EffectConnectionKey].osSocket.prependListener("data", () => { tData = performance.now() })
const until = performance.now() + 300
while (performance.now() < until) { await here.sendBytes(msg); await here.recvBytes() }
const toData = [], toResolve = []
for (let i = 0; i < 3000; i++) { tData = 0; const t0 = performance.now(); await here.sendBytes(msg); await here.recvBytes(); const t1 = performance.now(); if (tData) { toData.push((tData - t0) * 1000); toResolve.push((t1 - tData) * 1000) } }
await here.sendBytes(new Uint8Array(0)); await here.recvBytes(); here.close(); await child.join(); child.close()
hog?.kill()
const med = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1]?.toFixed(1)
console.log(`${hog ? "busy" : "idle"} n=${toData.length} send→data ${med(toData)} µs, data→resolved ${med(toResolve)} µs, load ${os.loadavg()[0].toFixed(2)}`)
