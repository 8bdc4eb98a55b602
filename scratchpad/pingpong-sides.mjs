// Where does ping-pong time go? The parent and child each either use the compat
// Connection or the raw net.Socket under it (hand-framed), in all four pairings.
import { Pipe, Process } from "effect-multiprocessing/compat"
const KEY = Symbol.for("effect-multiprocessing/compat/Connection")
const N = 2000

const compatEcho = async (conn, count) => {
  for (let i = 0; i < count; i++) await conn.sendBytes(await conn.recvBytes())
}
const rawEcho = async (conn, count) => {
  const sock = conn[Symbol.for("effect-multiprocessing/compat/Connection")].osSocket
  await new Promise((resolve) => {
    let seen = 0
    sock.on("data", (chunk) => { // 20-byte frames, one per chunk in ping-pong
      for (let at = 0; at + 20 <= chunk.length; at += 20) { sock.write(chunk.subarray(at, at + 20)); seen++ }
      if (seen >= count) resolve()
    })
  })
}

const rawParent = (conn) => {
  const sock = conn[KEY].osSocket
  let wake
  sock.on("data", () => wake())
  const frame = Buffer.alloc(20); frame.writeInt32BE(16)
  return () => new Promise((resolve) => { wake = resolve; sock.write(frame) })
}
const compatParent = (conn) => {
  const msg = new Uint8Array(16)
  return async () => { await conn.sendBytes(msg); await conn.recvBytes() }
}

for (const [pname, parentSide] of [["compat", compatParent], ["raw", rawParent]]) {
  for (const [cname, target] of [["compat", compatEcho], ["raw", rawEcho]]) {
    const [here, there] = await Pipe()
    const child = new Process({ target, args: [there, N] })
    child.start(); there.close()
    const roundTrip = parentSide(here)
    const rtts = []
    for (let i = 0; i < N; i++) { const t0 = performance.now(); await roundTrip(); rtts.push((performance.now() - t0) * 1000) }
    rtts.sort((a, b) => a - b)
    console.log(`parent ${pname} child ${cname}: median rtt ${rtts[N >> 1].toFixed(1)} us`)
    here.close(); await child.join(); child.close()
  }
}
