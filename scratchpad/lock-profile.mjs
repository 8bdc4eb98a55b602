// Remote Lock acquire+release from a child, steady state, with a CPU profile of the child (and the owner).
import { Lock, Process } from "effect-multiprocessing/compat"
const summarize = (profile) => {
  const self = new Map(); const byId = new Map(profile.nodes.map((n) => [n.id, n])); let total = 0
  profile.samples.forEach((id, i) => { const cf = byId.get(id).callFrame; const k = `${cf.functionName || "(anon)"} ${cf.url.split("/").slice(-2).join("/")}:${cf.lineNumber}`; self.set(k, (self.get(k) ?? 0) + profile.timeDeltas[i]); total += profile.timeDeltas[i] })
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, 22).map(([k, v]) => `${(100 * v / total).toFixed(1)}% ${k}`).join("\n")
}
const lock = new Lock()
const { Session } = await import("node:inspector/promises")
const s = new Session(); s.connect(); await s.post("Profiler.enable"); await s.post("Profiler.setSamplingInterval", { interval: 50 })
const child = new Process({
  target: async (lock) => {
    for (let i = 0; i < 20000; i++) { await lock.acquire(); await lock.release() }
    const { Session } = await import("node:inspector/promises")
    const s = new Session(); s.connect(); await s.post("Profiler.enable"); await s.post("Profiler.setSamplingInterval", { interval: 50 }); await s.post("Profiler.start")
    const n = 10000, t1 = performance.now()
    for (let i = 0; i < n; i++) { await lock.acquire(); await lock.release() }
    const per = (performance.now() - t1) * 1000 / n
    const { profile } = await s.post("Profiler.stop")
    console.log("acquire+release us", per.toFixed(1))
    const summarize = (profile) => {
      const self = new Map(); const byId = new Map(profile.nodes.map((n) => [n.id, n])); let total = 0
      profile.samples.forEach((id, i) => { const cf = byId.get(id).callFrame; const k = `${cf.functionName || "(anon)"} ${cf.url.split("/").slice(-2).join("/")}:${cf.lineNumber}`; self.set(k, (self.get(k) ?? 0) + profile.timeDeltas[i]); total += profile.timeDeltas[i] })
      return [...self].sort((a, b) => b[1] - a[1]).slice(0, 22).map(([k, v]) => `${(100 * v / total).toFixed(1)}% ${k}`).join("\n")
    }
    console.log("CHILD\n" + summarize(profile))
  },
  args: [lock]
})
child.start()
await new Promise((r) => setTimeout(r, 2500))
await s.post("Profiler.start")
await child.join()
const { profile } = await s.post("Profiler.stop")
console.log("OWNER\n" + summarize(profile))
