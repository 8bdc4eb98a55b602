import { Pool } from "effect-multiprocessing/compat"
const pool = new Pool(2)
await pool.map((x) => x, [1, 2, 3, 4], { chunksize: 1 })
const before = [...pool.pids]
try {
  await pool.map((x) => { if (x === 0) throw new Error("one bad item"); const u = Date.now() + 1000; while (Date.now() < u); return x }, [0, 1], { chunksize: 1 })
} catch (e) { console.log("map failed:", e._tag, e.message) }
await new Promise((r) => setTimeout(r, 600))
console.log("pids before", before, "after", pool.pids)
pool.terminate(); await pool.join()
