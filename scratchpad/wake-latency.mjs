// In one process: how long from a frame's write to a waiting recvBytes() resolving, per face.
import { Effect } from "effect"
import { Pipe } from "effect-multiprocessing/compat"
const N = 3000
const [a, b] = await Pipe()
const msg = new Uint8Array(16)
const time = async (label, recv) => {
  const out = []
  for (let i = 0; i < N; i++) {
    const t0 = performance.now()
    const p = recv()
    await a.sendBytes(msg)
    await p
    out.push((performance.now() - t0) * 1000)
  }
  out.sort((x, y) => x - y)
  console.log(label, out[N >> 1].toFixed(1), "us")
}
const KEY = Symbol.for("effect-multiprocessing/compat/Connection")
for (let r = 0; r < 2; r++) {
  await time("compat recvBytes", () => b.recvBytes())
  await time("effect runPromise(recvBytes)", () => Effect.runPromise(b[KEY].recvBytes()))
}
a.close(); b.close()
{
  const [c, d] = await Pipe()
  const sc = c[KEY].osSocket, sd = d[KEY].osSocket
  let wake; sd.on("data", () => wake())
  const frame = Buffer.alloc(20); frame.writeInt32BE(16)
  for (let r = 0; r < 2; r++) {
    const out = []
    for (let i = 0; i < N; i++) { const t0 = performance.now(); await new Promise((res) => { wake = res; sc.write(frame) }); out.push((performance.now() - t0) * 1000) }
    out.sort((x, y) => x - y)
    console.log("raw socket", out[N >> 1].toFixed(1), "us")
  }
  c.close(); d.close()
}
