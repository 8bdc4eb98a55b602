// Child side of a compat ping-pong: time from the socket's 'data' event to the echo's sendBytes call.
import { Pipe, Process } from "effect-multiprocessing/compat"
const N = 2000
const echo = async (conn, count) => {
  const sock = conn[Symbol.for("effect-multiprocessing/compat/Connection")].osSocket
  let tData = 0
  const gaps = [], waits = []
  for (let i = 0; i < count; i++) {
    const t0 = performance.now()
    const m = await conn.recvBytes()
    if (i === 0) sock.on("data", () => { tData = performance.now() })
    const t1 = performance.now()
    if (i > 0) { gaps.push((t1 - tData) * 1000); waits.push((t1 - t0) * 1000) }
    await conn.sendBytes(m)
  }
  gaps.sort((a, b) => a - b); waits.sort((a, b) => a - b)
  await conn.send({ gap: gaps[gaps.length >> 1], wait: waits[waits.length >> 1] })
}
const [here, there] = await Pipe()
const child = new Process({ target: echo, args: [there, N] })
child.start(); there.close()
const msg = new Uint8Array(16)
const rtts = []
for (let i = 0; i < N; i++) { const t0 = performance.now(); await here.sendBytes(msg); await here.recvBytes(); rtts.push((performance.now() - t0) * 1000) }
rtts.sort((a, b) => a - b)
console.log("rtt", rtts[N >> 1].toFixed(1), "child data→recv resolved", await here.recv())
here.close(); await child.join(); child.close()
