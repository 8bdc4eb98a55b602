// CPU profiles of both ends of a compat ping-pong (node:inspector), summarised by self time.
import { Pipe, Process } from "effect-multiprocessing/compat"
const N = 4000
const profiled = async (body) => {
  const { Session } = await import("node:inspector/promises")
  const s = new Session(); s.connect()
  await s.post("Profiler.enable"); await s.post("Profiler.setSamplingInterval", { interval: 20 }); await s.post("Profiler.start")
  await body()
  const { profile } = await s.post("Profiler.stop")
  const self = new Map(); const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const dt = profile.timeDeltas; let total = 0
  profile.samples.forEach((id, i) => { const n = byId.get(id); const cf = n.callFrame; const k = `${cf.functionName || "(anon)"} ${cf.url.split("/").slice(-2).join("/")}:${cf.lineNumber}`; self.set(k, (self.get(k) ?? 0) + dt[i]); total += dt[i] })
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${(100 * v / total).toFixed(1)}% ${k}`)
}
const echo = async (conn, count) => {
  const { Session } = await import("node:inspector/promises")
  const s = new Session(); s.connect()
  await s.post("Profiler.enable"); await s.post("Profiler.setSamplingInterval", { interval: 20 }); await s.post("Profiler.start")
  for (let i = 0; i < count; i++) await conn.sendBytes(await conn.recvBytes())
  const { profile } = await s.post("Profiler.stop")
  const self = new Map(); const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const dt = profile.timeDeltas; let total = 0
  profile.samples.forEach((id, i) => { const n = byId.get(id); const cf = n.callFrame; const k = `${cf.functionName || "(anon)"} ${cf.url.split("/").slice(-2).join("/")}:${cf.lineNumber}`; self.set(k, (self.get(k) ?? 0) + dt[i]); total += dt[i] })
  await conn.send([...self].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${(100 * v / total).toFixed(1)}% ${k}`))
}
const [here, there] = await Pipe()
const child = new Process({ target: echo, args: [there, N] })
child.start(); there.close()
const msg = new Uint8Array(16)
const parent = await profiled(async () => { for (let i = 0; i < N; i++) { await here.sendBytes(msg); await here.recvBytes() } })
console.log("PARENT\n" + parent.join("\n"))
console.log("CHILD\n" + (await here.recv()).join("\n"))
here.close(); await child.join(); child.close()
