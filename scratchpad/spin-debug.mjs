import { Pipe, Process } from "effect-multiprocessing/compat"
const N = 2000
const echo = async (conn, count) => {
  for (let i = 0; i < count; i++) await conn.sendBytes(await conn.recvBytes())
  const st = globalThis.__spin; const h = (st.hitT ?? []).sort((a, b) => a - b); await conn.send({ calls: st.calls, hit: st.hit, miss: st.miss, eagainPerCall: (st.eagain / st.calls).toFixed(1), hitMedianUs: (h[h.length >> 1] * 1000).toFixed(1) })
}
const [here, there] = await Pipe()
const child = new Process({ target: echo, args: [there, N] })
child.start(); there.close()
const msg = new Uint8Array(16)
const rtts = []
for (let i = 0; i < N; i++) { const t0 = performance.now(); await here.sendBytes(msg); await here.recvBytes(); rtts.push((performance.now() - t0) * 1000) }
rtts.sort((a, b) => a - b)
console.log("rtt", rtts[N >> 1].toFixed(1), "parent", (await import("/tmp/sum.mjs")).sum(globalThis.__spin), "child", await here.recv())
here.close(); await child.join(); child.close()
