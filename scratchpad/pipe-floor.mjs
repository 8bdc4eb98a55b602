// The floor under pipe_* benches: two Node processes over a socketpair-like Unix socket,
// raw net.Socket, 4-byte headers, no library. Ping-pong RTT and one-way 1 KiB messages/s.
import { fork } from "node:child_process"
import net from "node:net"
import os from "node:os"
import path from "node:path"
import fs from "node:fs"

const N = 20000, PINGS = 3000
if (process.argv[2] === "child") {
  const sock = net.connect(process.argv[3])
  let buf = Buffer.alloc(0)
  const msg = Buffer.alloc(1024 + 4); msg.writeInt32BE(1024)
  sock.on("data", (chunk) => {
    buf = Buffer.concat([buf, chunk])
    while (buf.length >= 4) {
      const n = buf.readInt32BE(0)
      if (buf.length < 4 + n) break
      const m = buf.subarray(4, 4 + n); buf = buf.subarray(4 + n)
      if (m[0] === 1) sock.write(Buffer.concat([Buffer.from([0, 0, 0, m.length]), m])) // echo
      else if (m[0] === 2) { sock.cork(); for (let i = 0; i < N; i++) sock.write(msg); sock.uncork() }
      else if (m[0] === 3) { sock.end(); }
    }
  })
} else {
  const p = path.join(os.tmpdir(), `floor-${process.pid}.sock`)
  const server = net.createServer()
  await new Promise((r) => server.listen(p, r))
  const child = fork(new URL(import.meta.url).pathname, ["child", p])
  const sock = await new Promise((r) => server.once("connection", r))
  let buf = Buffer.alloc(0); const queue = []; let waiter
  sock.on("data", (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk
    while (buf.length >= 4) { const n = buf.readInt32BE(0); if (buf.length < 4 + n) break; queue.push(buf.subarray(4, 4 + n)); buf = buf.subarray(4 + n) }
    if (waiter && queue.length) { const w = waiter; waiter = undefined; w() }
  })
  const recv = () => queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => { waiter = () => r(queue.shift()) })
  const ping = Buffer.from([0, 0, 0, 16, 1, ...new Array(15).fill(0)])
  const rtts = []
  for (let i = 0; i < PINGS; i++) { const t0 = performance.now(); sock.write(ping); await recv(); rtts.push((performance.now() - t0) * 1000) }
  rtts.sort((a, b) => a - b)
  console.log("raw rtt median us", rtts[rtts.length >> 1].toFixed(1))
  sock.write(Buffer.from([0, 0, 0, 1, 2]))
  const t0 = performance.now()
  for (let i = 0; i < N; i++) await recv()
  console.log("raw 1k msgs/s", (N / ((performance.now() - t0) / 1000)).toFixed(0))
  sock.write(Buffer.from([0, 0, 0, 1, 3]))
  child.on("exit", () => { server.close(); try { fs.unlinkSync(p) } catch {} })
}
