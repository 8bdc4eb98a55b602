import { Pool } from "effect-multiprocessing/compat"
const pool = new Pool(1, { timeout: 1 })
let runs = 0
const f = (what) => {
  if (what === "big") return new Uint8Array(8_000_000)
  if (what === "spin") { const t = Date.now(); while (Date.now() - t < 2500); return "spun" }
  return what
}
for (let i = 0; i < 50; i++) await pool.apply(f, [i])
const t = performance.now()
const a = pool.applyAsync(f, ["big"])
const b = pool.applyAsync(f, ["spin"])
const show = (r) => r.then((v) => `ok ${v?.length ?? v}`, (e) => `FAIL ${e._tag}: ${e.message}`)
console.log("A(big, returns at once):", await show(a.get()), Math.round(performance.now() - t), "ms")
console.log("B(spin 2.5 s):", await show(b.get()), Math.round(performance.now() - t), "ms")
pool.terminate(); await pool.join()
