// Repro: several producers/consumers with random sizes; reports a run taking > 20 s and what is stuck.
import { Process, Queue } from "effect-multiprocessing/compat"
const runs = Number(process.argv[2] ?? 20)
for (let r = 0; r < runs; r++) {
  const fixed = process.argv[3]?.split(",").map(Number)
  const producers = fixed?.[0] ?? 1 + (Math.random() * 3 | 0), consumers = fixed?.[1] ?? 1 + (Math.random() * 3 | 0)
  const perProducer = fixed?.[2] ?? Math.random() * 401 | 0, maxsize = fixed?.[3] ?? (Math.random() < 0.5 ? 0 : 1 + (Math.random() * 20 | 0))
  const q = new Queue(maxsize)
  const children = [
    ...Array.from({ length: producers }, (_, k) => new Process({ target: async (q, k, n) => { for (let i = 0; i < n; i++) await q.put([k, i]) }, args: [q, k, perProducer] })),
    ...Array.from({ length: consumers }, () => new Process({ target: async (q) => { const got = []; for (let item = await q.get(); item !== null; item = await q.get()) got.push(item); return got }, args: [q] }))
  ]
  const t0 = Date.now()
  let stage = "start"
  const watch = setInterval(async () => {
    console.log(`run ${r} (${producers}p ${consumers}c n=${perProducer} max=${maxsize}) at ${stage} after ${Date.now() - t0} ms; alive:`, children.map((c) => c.isAlive()), "qsize", await q.qsize())
  }, 10000)
  for (const child of children) child.start()
  stage = "producers"
  for (const p of children.slice(0, producers)) await p.join()
  stage = "sentinels"
  for (let c = 0; c < consumers; c++) await q.put(null)
  stage = "results"
  const received = await Promise.all(children.slice(producers).map((c) => c.result()))
  stage = "join"
  for (const c of children) { await c.join(); c.close() }
  clearInterval(watch)
  q.dispose()
  const total = received.flat().length
  if (total !== producers * perProducer) {
    const seen = new Set(received.flat().map(([k, i]) => k * 1000 + i))
    const missing = []
    for (let k = 0; k < producers; k++) for (let i = 0; i < perProducer; i++) if (!seen.has(k * 1000 + i)) missing.push(`${k}:${i}`)
    console.log("LOST", r, total, producers * perProducer, "missing", missing.join(" "), "per consumer", received.map((g) => g.length + " last " + JSON.stringify(g.slice(-3))).join(" | "))
  }
  received.forEach((got, c) => { for (let k = 0; k < producers; k++) { const mine = got.filter(([p]) => p === k).map(([, i]) => i); for (let j = 1; j < mine.length; j++) if (mine[j] < mine[j - 1]) { console.log(`ORDER run ${r} (${producers}p ${consumers}c n=${perProducer} max=${maxsize}) consumer ${c} producer ${k}:`, mine.slice(Math.max(0, j - 5), j + 5).join(",")); break } } })
}
console.log("done")
process.exit(0)
