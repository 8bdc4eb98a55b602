import { Pool } from "effect-multiprocessing/compat"
const pool = new Pool(2)
const f = (x) => x * 2
for (let r = 0; r < 6; r++) {
  const l = []
  for (let i = 0; i < 2000; i++) { const t = performance.now(); await pool.apply(f, [i]); l.push(performance.now() - t) }
  l.sort((a, b) => a - b)
  console.log([0.1, 0.25, 0.5, 0.75, 0.9, 0.99].map((q) => (l[Math.floor(q * l.length)] * 1000).toFixed(0)).join(" "))
}
pool.terminate()
