// The bench's stream protocol (requests of counts) in one child, several timed batches in a row,
// to see how the rate settles with warm-up.
import { Pipe, Process } from "effect-multiprocessing/compat"
const kind = process.argv[2] ?? "bytes"
const streamTarget = async (conn, kind) => {
  const bytes = new Uint8Array(1024).fill(7)
  for (let sent = 0; ;) {
    const message = await conn.recvBytes()
    const count = new DataView(message.buffer, message.byteOffset, 4).getInt32(0)
    if (count === 0) return
    for (let i = 0; i < count; i++, sent++) {
      if (kind === "bytes") await conn.sendBytes(bytes)
      else await conn.send({ id: sent, name: "task", tags: ["a", "b"], ok: true, score: 3.14 })
    }
  }
}
const request = (count) => { const b = new Uint8Array(4); new DataView(b.buffer).setInt32(0, count); return b }
const retained = process.env.RETAIN ? Array.from({ length: Number(process.env.RETAIN) }, (_, i) => ({ i, s: "x" + i, a: [i, i] })) : []
const [here, there] = await Pipe()
const child = new Process({ target: streamTarget, args: [there, kind] })
child.start(); there.close()
const recv = kind === "bytes" ? () => here.recvBytes() : () => here.recv()
const rates = []
for (let batch = 0; batch < 12; batch++) {
  const n = 50000
  const t0 = performance.now()
  await here.sendBytes(request(n))
  for (let i = 0; i < n; i++) await recv()
  rates.push(Math.round(n / ((performance.now() - t0) / 1000)))
}
await here.sendBytes(request(0))
console.log(kind, rates.join(" "))
here.close(); await child.join(); child.close()
