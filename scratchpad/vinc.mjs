import { Process, Value, Lock } from "effect-multiprocessing/compat"
const target = async (value, n) => {
  for (let i = 0; i < 2000; i++) await value.withLock(async () => value.set((await value.get())))
  const times = []
  const t0 = performance.now()
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    await value.withLock(async () => value.set((await value.get()) + 1))
    times.push(performance.now() - t)
  }
  const total = performance.now() - t0
  times.sort((a, b) => a - b)
  const q = (p) => (times[Math.floor(p * times.length)] * 1000).toFixed(0)
  console.log("p10", q(0.1), "p50", q(0.5), "p90", q(0.9), "p99", q(0.99), "mean", (total * 1000 / n).toFixed(0))
}
const parts = Number(process.argv[2] ?? 2)
const value = Value("i", 0)
const n = Number(process.argv[3] ?? 5000)
const ch = Array.from({ length: parts }, () => new Process({ target, args: [value, n] }))
for (const c of ch) c.start()
for (const c of ch) await c.join()
console.log(await value.get())
value.close()
