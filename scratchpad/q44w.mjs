import { Event, Process, Queue } from "effect-multiprocessing/compat"
const producer = async (q, start, done, n, k, w) => {
  for (let i = 0; i < w; i++) await q.put({ id: 0, producer: k })
  await start.isSet(); await done.put("ready"); await start.wait()
  const t = process.cpuUsage()
  for (let i = 0; i < n; i++) await q.put({ id: i, producer: k })
  const c = process.cpuUsage(t); await done.put(["p", (c.user + c.system) / 1000])
}
const consumer = async (q, start, done, n, w) => {
  for (let i = 0; i < w; i++) await q.get()
  await done.put("ready"); await start.wait()
  const t = process.cpuUsage()
  let sum = 0
  for (let i = 0; i < n; i++) sum += (await q.get()).id
  const c = process.cpuUsage(t); await done.put(["c", (c.user + c.system) / 1000, sum])
}
const P = Number(process.env.P ?? 4), C = Number(process.env.C ?? 4), n = Number(process.env.N ?? 50000), W = Number(process.env.W ?? 20000)
for (let round = 0; round < Number(process.env.ROUNDS ?? 3); round++) {
  const q = new Queue(), done = new Queue(), start = new Event()
  const kids = []
  for (let k = 0; k < C; k++) { const c = new Process({ target: consumer, args: [q, start, done, (n * P) / C, (W * P) / C] }); c.start(); kids.push(c) }
  for (let k = 0; k < P; k++) { const c = new Process({ target: producer, args: [q, start, done, n, k, W] }); c.start(); kids.push(c) }
  for (let i = 0; i < P + C; i++) await done.get()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await start.set()
  const reports = []
  for (let i = 0; i < P + C; i++) reports.push(await done.get())
  const el = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  const pc = reports.filter((r) => r[0] === "p").map((r) => r[1].toFixed(0))
  const cc = reports.filter((r) => r[0] === "c").map((r) => r[1].toFixed(0))
  console.log(`items/s ${((P * n) / el * 1000).toFixed(0)} elapsed ${el.toFixed(0)} ms; parent cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms; producers ${pc}; consumers ${cc}`)
  for (const k of kids) { await k.join(); k.close() }
  q.close(); done.close(); start.close()
}
