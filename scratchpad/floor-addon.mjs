// The floor of a kernel-wait ping-pong in Node: both ends wait with the addon's waitReadable and
// read/write with readInto/writeFrom, the same system calls as ours, with one promise per send and
// per receive (as the compat face's callers await); when the loop has work, the wait yields to it.
// node scratchpad/floor-addon.mjs [N]   (prints outcomes of the parent's waits: cap, readable, loop)
import * as net from "node:net"
import { spawn } from "node:child_process"
import { createRequire } from "node:module"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
const N = Number(process.argv[2] ?? 20000), WARM = 3000
const addonPath = new URL("../dist/native/shm.node", import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), "floor-")), path = join(dir, "s")
// Shared by both ends (the child gets it as source).
const ends = (native, fd, buf, outcomes) => {
  const yieldToLoop = () => new Promise((resolve) => setTimeout(resolve, 0))
  const recv = async () => {
    for (;;) {
      const o = native.waitReadable(fd, 1000)
      outcomes[o]++
      if (o !== 1) { await yieldToLoop(); continue }
      const n = native.readInto(fd, buf, 0, 64)
      if (n >= 0) return n
    }
  }
  const send = async (b, n) => native.writeFrom(fd, b, 0, n)
  return { recv, send }
}
const child = `
const native = require(${JSON.stringify(addonPath)})
const ends = ${ends.toString()}
const s = require("net").connect(${JSON.stringify(path)}, () => {
  s.pause(); s._handle.readStop(); const fd = s._handle.fd; const buf = Buffer.alloc(64)
  const { recv, send } = ends(native, fd, buf, [0, 0, 0])
  setInterval(() => {}, 1e8)
  setTimeout(async () => {
    let c0
    for (let i = 0; ; i++) {
      const n = await recv()
      if (n === 0) process.exit(0)
      if (i === ${WARM}) c0 = process.cpuUsage()
      if (buf[4] === 0) { const c = process.cpuUsage(c0); buf.fill(32, 4); buf.write(JSON.stringify(c), 4); await send(buf, 64); setTimeout(() => process.exit(0), 100); return }
      await send(buf, n)
    }
  }, 50)
})`
const server = net.createServer((s) => {
  server.close(); s.pause(); s._handle.readStop()
  const fd = s._handle.fd, native = createRequire(import.meta.url)(addonPath)
  const msg = Buffer.alloc(20, 1); msg.writeInt32BE(16, 0)
  const buf = Buffer.alloc(64), outcomes = [0, 0, 0]
  const { recv, send } = ends(native, fd, buf, outcomes)
  setInterval(() => {}, 1e8)
  setTimeout(async () => {
    for (let i = 0; i < WARM; i++) { await send(msg, 20); await recv() }
    const times = []
    const t0 = performance.now(), c0 = process.cpuUsage()
    for (let i = 0; i < N; i++) { const t = performance.now(); await send(msg, 20); await recv(); times.push((performance.now() - t) * 1000) }
    const wall = (performance.now() - t0) * 1000 / N, c = process.cpuUsage(c0)
    const end = Buffer.alloc(20); end.writeInt32BE(16, 0)
    await send(end, 20)
    const n = await recv()
    const cc = JSON.parse(buf.subarray(4, n).toString())
    times.sort((a, b) => a - b)
    console.log(`floor: median ${times[N >> 1].toFixed(1)} µs, mean ${wall.toFixed(1)}; parent user ${(c.user / N).toFixed(1)} sys ${(c.system / N).toFixed(1)}; child user ${(cc.user / N).toFixed(1)} sys ${(cc.system / N).toFixed(1)}; parent waits cap/readable/loop ${outcomes}`)
    s.destroy(); rmSync(dir, { recursive: true }); process.exit(0)
  }, 50)
})
server.listen(path, () => spawn(process.execPath, ["-e", child], { stdio: "inherit" }))
