// One ping-pong pairing, chosen by argv: node pp-one.mjs compat|raw compat|raw
import { Pipe, Process } from "effect-multiprocessing/compat"
const N = Number(process.env.N ?? 5000)
const KEY = Symbol.for("effect-multiprocessing/compat/Connection")
const compatEcho = async (conn, count) => { const c0 = process.cpuUsage(); for (let i = 0; i < count; i++) await conn.sendBytes(await conn.recvBytes()); const c = process.cpuUsage(c0); console.error(`child cpu per rt: user ${(c.user / count).toFixed(1)} sys ${(c.system / count).toFixed(1)} us`) }
const rawEcho = async (conn, count) => {
  const sock = conn[Symbol.for("effect-multiprocessing/compat/Connection")].osSocket
  const c0 = process.cpuUsage()
  await new Promise((resolve) => { let seen = 0; sock.on("data", (chunk) => { sock.write(chunk); if (++seen >= count) resolve() }) })
  const c = process.cpuUsage(c0); console.error(`child cpu per rt: user ${(c.user / count).toFixed(1)} sys ${(c.system / count).toFixed(1)} us`)
}
const [pside, cside] = process.argv.slice(2)
const [here, there] = await Pipe()
const child = new Process({ target: cside === "raw" ? rawEcho : compatEcho, args: [there, N] })
child.start(); there.close()
let roundTrip
if (pside === "raw") {
  const sock = here[KEY].osSocket; let wake; sock.on("data", () => wake())
  const frame = Buffer.alloc(20); frame.writeInt32BE(16)
  roundTrip = () => new Promise((r) => { wake = r; sock.write(frame) })
} else {
  const msg = new Uint8Array(16)
  roundTrip = async () => { await here.sendBytes(msg); await here.recvBytes() }
}
await roundTrip()
const rtts = []
const t = performance.now(); const c0 = process.cpuUsage()
for (let i = 1; i < N; i++) { const t0 = performance.now(); await roundTrip(); rtts.push((performance.now() - t0) * 1000) }
const c = process.cpuUsage(c0); console.log(`parent cpu per rt: user ${(c.user / N).toFixed(1)} sys ${(c.system / N).toFixed(1)} us`)
rtts.sort((a, b) => a - b)
console.log(`parent ${pside} child ${cside}: median rtt ${rtts[rtts.length >> 1].toFixed(1)} us, total ${(performance.now() - t).toFixed(0)} ms`)
here.close(); await child.join(); child.close()
