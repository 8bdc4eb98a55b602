import { Pool } from "effect-multiprocessing/compat"
const pool = new Pool(1)
const N = Number(process.argv[2] ?? 100000)
const t0 = Date.now()
try {
  const r = await pool.map((x) => { let d = 0; const f = (n) => n === 0 ? 0 : 1 + f(n - 1); return f(2000) }, Array.from({ length: N }, (_, i) => i), { chunksize: 1 })
  console.log("ok", r.length, Date.now() - t0, "ms")
} catch (e) { console.log("FAILED:", e._tag, e.type, e.message.slice(0, 200)) }
pool.terminate(); await pool.join()
