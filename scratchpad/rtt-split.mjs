// Where a round trip's time goes: parent send → child has it → child sent → parent has it (medians, µs).
import { Pipe, Process } from "effect-multiprocessing/compat"
const N = 5000, WARM = 3000
const now = () => performance.timeOrigin + performance.now()
const echoTarget = async (conn, n) => {
  const got = new Float64Array(n), sent = new Float64Array(n)
  const now = () => performance.timeOrigin + performance.now()
  for (let i = 0; ; i++) {
    const m = await conn.recvBytes()
    if (m.length === 0) break
    const t = now()
    await conn.sendBytes(m)
    if (m[0] === 2) { got[m[1] | (m[2] << 8)] = t; sent[m[1] | (m[2] << 8)] = now() }
  }
  return [Array.from(got), Array.from(sent)]
}
const [here, there] = await Pipe()
const child = new Process({ target: echoTarget, args: [there, N] })
child.start(); there.close()
const msg = new Uint8Array(16).fill(1)
for (let i = 0; i < WARM; i++) { await here.sendBytes(msg); await here.recvBytes() }
const sendAt = [], backAt = []
for (let i = 0; i < N; i++) {
  const m = new Uint8Array(16); m[0] = 2; m[1] = i & 255; m[2] = i >> 8
  sendAt.push(now()); await here.sendBytes(m); await here.recvBytes(); backAt.push(now())
}
await here.sendBytes(new Uint8Array(0))
const [got, sent] = await child.result(); here.close(); await child.join()
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return (s[s.length >> 1] * 1000).toFixed(1) }
console.log(`rtt ${med(backAt.map((b, i) => b - sendAt[i]))}  fwd ${med(got.map((g, i) => g - sendAt[i]))}  child ${med(sent.map((s, i) => s - got[i]))}  back ${med(backAt.map((b, i) => b - sent[i]))}`)
