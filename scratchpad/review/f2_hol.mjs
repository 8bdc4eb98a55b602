import { Pool } from "effect-multiprocessing/compat"
const pool = new Pool(2)
await pool.map((x) => x, [1, 2, 3, 4])
await new Promise((r) => setTimeout(r, 100))
const t0 = Date.now()
const done = []
const rs = [2000, 100, 100].map((ms, i) => pool.applyAsync((ms) => new Promise((r) => setTimeout(() => r(process.pid), ms)), [ms], { callback: () => done.push(`t${i}@${Date.now() - t0}ms`) }))
await Promise.all(rs.map((r) => r.wait()))
console.log(done.join("  "), "(Python: t2 done at ~200 ms)")
pool.terminate(); await pool.join()
