import { Pool } from "effect-multiprocessing/compat"
const pool = new Pool(1)
const f = (what) => {
  if (what === "big") return new Uint8Array(8_000_000).fill(7).length && new Uint8Array(8_000_000)
  if (what === "exit") { const t = Date.now(); while (Date.now() - t < 300); process.exit(3) }
  return what
}
for (let i = 0; i < 50; i++) await pool.apply(f, [i])
const a = pool.applyAsync(f, ["big"])
const b = pool.applyAsync(f, ["exit"])
const show = (r) => r.then((v) => `ok ${v?.length ?? v}`, (e) => `FAIL ${e._tag}: ${e.message}`)
console.log("A(big):", await show(a.get()))
console.log("B(exit):", await show(b.get()))
pool.terminate(); await pool.join()
