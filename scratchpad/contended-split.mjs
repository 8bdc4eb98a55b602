// Two children increment the parent's Value under its lock at once: where each increment's time goes.
import { Process, Value } from "effect-multiprocessing/compat"
const value = Value("i", 0)
const target = async (value, n) => {
  const lock = await value.getLock()
  const parts = { acquire: [], get: [], set: [], release: [] }
  for (let i = 0; i < n; i++) {
    const t0 = performance.now(); await lock.acquire()
    const t1 = performance.now(); const v = await value.get()
    const t2 = performance.now(); await value.set(v + 1)
    const t3 = performance.now(); await lock.release()
    const t4 = performance.now()
    if (i > n / 2) { parts.acquire.push(t1 - t0); parts.get.push(t2 - t1); parts.set.push(t3 - t2); parts.release.push(t4 - t3) }
  }
  const med = (x) => (x.sort((p, q) => p - q)[x.length >> 1] * 1000).toFixed(1)
  const mean = (x) => (x.reduce((a, b) => a + b, 0) / x.length * 1000).toFixed(1)
  return Object.fromEntries(Object.entries(parts).map(([k, x]) => [k, `median ${med(x)} mean ${mean(x)}`]))
}
const children = [0, 1].map(() => new Process({ target, args: [value, 3000] }))
for (const c of children) c.start()
for (const c of children) console.log(await c.result())
console.log("total", await value.get())
value.close()
