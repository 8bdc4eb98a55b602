// One-way stream child → parent through the compat face, long enough to see the steady state.
import { Pipe, Process } from "effect-multiprocessing/compat"
const N = Number(process.env.N ?? 100000), kind = process.argv[2] ?? "bytes"
const target = async (conn, kind, n) => {
  const bytes = new Uint8Array(1024).fill(7)
  const c0 = process.cpuUsage()
  for (let i = 0; i < n; i++) {
    if (kind === "bytes") await conn.sendBytes(bytes)
    else await conn.send({ id: i, name: "task", tags: ["a", "b"], ok: true, score: 3.14 })
  }
  const c = process.cpuUsage(c0)
  if (kind === "bytes") await conn.sendBytes(new Uint8Array(0)); else await conn.send(null)
  await conn.recvBytes()
  console.error(`child cpu per msg: user ${(c.user / n).toFixed(2)} sys ${(c.system / n).toFixed(2)} us`)
}
const [here, there] = await Pipe()
const child = new Process({ target, args: [there, kind, N] })
child.start(); there.close()
const recv = kind === "bytes" ? () => here.recvBytes() : () => here.recv()
await recv()
let session
if (process.env.PROFILE) {
  const { Session } = await import("node:inspector/promises")
  session = new Session(); session.connect()
  await session.post("Profiler.enable"); await session.post("Profiler.setSamplingInterval", { interval: 50 }); await session.post("Profiler.start")
}
const c0 = process.cpuUsage()
const marks = []
let t = performance.now()
for (let i = 1; i < N; i++) {
  await recv()
  if (i % 20000 === 0) { const now = performance.now(); marks.push(Math.round(20000 / ((now - t) / 1000))); t = now }
}
const c = process.cpuUsage(c0)
if (session) {
  const { profile } = await session.post("Profiler.stop")
  const self = new Map(); const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  let total = 0
  profile.samples.forEach((id, i) => { const cf = byId.get(id).callFrame; const k = `${cf.functionName || "(anon)"} ${cf.url.split("/").slice(-2).join("/")}:${cf.lineNumber}`; self.set(k, (self.get(k) ?? 0) + profile.timeDeltas[i]); total += profile.timeDeltas[i] })
  console.log([...self].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([k, v]) => `${(100 * v / total).toFixed(1)}% ${k}`).join("\n"))
}
await recv()
await here.sendBytes(new Uint8Array(1))
console.log(`${kind}: msgs/s per 20k block`, marks.join(" "), `parent cpu per msg: user ${(c.user / N).toFixed(2)} sys ${(c.system / N).toFixed(2)} us`)
here.close(); await child.join(); child.close()
