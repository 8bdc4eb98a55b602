// Wall time and CPU time per round trip, parent and child (where the busy-case time goes).
import { Pipe, Process } from "effect-multiprocessing/compat"
const N = Number(process.argv[2] ?? 3000)
const echoTarget = async (conn) => {
  let c0
  for (let i = 0; ; i++) {
    const message = await conn.recvBytes()
    if (message.length === 1) c0 = process.cpuUsage()
    if (message.length === 0) { const c = process.cpuUsage(c0); await conn.sendBytes(message); return c }
    await conn.sendBytes(message)
  }
}
const [here, there] = await Pipe()
const child = new Process({ target: echoTarget, args: [there] })
child.start(); there.close()
const msg = new Uint8Array(16).fill(1)
await here.sendBytes(msg); await here.recvBytes()
for (let i = 0; i < 3000; i++) { await here.sendBytes(msg); await here.recvBytes() }
await here.sendBytes(Uint8Array.of(2)); await here.recvBytes()
const t0 = performance.now(), c0 = process.cpuUsage()
for (let i = 0; i < N; i++) { await here.sendBytes(msg); await here.recvBytes() }
const wall = (performance.now() - t0) * 1000 / N, c = process.cpuUsage(c0)
await here.sendBytes(new Uint8Array(0)); await here.recvBytes()
const cc = await child.result(); here.close(); await child.join()
console.log(`wall ${wall.toFixed(1)} µs/rtt; parent cpu user ${(c.user / N).toFixed(1)} sys ${(c.system / N).toFixed(1)}; child user ${(cc.user / N).toFixed(1)} sys ${(cc.system / N).toFixed(1)}`)
