import { Process, Value } from "effect-multiprocessing/compat"
const target = async (value, warmupMs, n) => {
  const warmUntil = performance.now() + warmupMs
  let w = 0
  while (performance.now() < warmUntil) { await value.withLock(async () => value.set(await value.get())); w++ }
  const t0 = performance.now()
  for (let i = 0; i < n; i++) await value.withLock(async () => value.set((await value.get()) + 1))
  console.log("warm", w, "timed per inc", ((performance.now() - t0) * 1000 / n).toFixed(0))
}
const value = Value("i", 0)
const n = 2000
for (let r = 0; r < 3; r++) {
const ch = [0, 1].map(() => new Process({ target, args: [value, 500, n] }))
for (const c of ch) c.start()
const t0 = performance.now()
for (const c of ch) await c.join()
console.log("agg", (((performance.now() - t0 - 500) * 1000) / (2 * n)).toFixed(0))
}
value.close()
