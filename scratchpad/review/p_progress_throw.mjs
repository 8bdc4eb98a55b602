import { Pool } from "effect-multiprocessing/compat"
const pool = new Pool(2)
await pool.apply(() => 0)
try {
  console.log(await pool.map((x) => x, [1, 2, 3, 4], { chunksize: 1, progress: (p) => { if (p.done === 2) throw new Error("bug in my progress bar") } }))
} catch (e) { console.log("map rejected with:", e.message) }
pool.terminate(); await pool.join()
console.log("parent survived")
