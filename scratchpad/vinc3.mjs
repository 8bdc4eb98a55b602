import { Process, Value } from "effect-multiprocessing/compat"
const target = async (value, n, k) => {
  const out = []
  let t0 = performance.now()
  for (let i = 1; i <= n; i++) {
    await value.withLock(async () => value.set((await value.get()) + 1))
    if (i % 250 === 0) { const t = performance.now(); out.push(((t - t0) * 4).toFixed(0)); t0 = t }
  }
  console.log(k, out.join(" "))
}
const value = Value("i", 0)
const ch = [0, 1].slice(0, Number(process.argv[2] ?? 2)).map((k) => new Process({ target, args: [value, 4000, k] }))
for (const c of ch) c.start()
for (const c of ch) await c.join()
value.close()
