import { Pool } from "effect-multiprocessing/compat"
import { rmSync, readFileSync } from "node:fs"
rmSync("/tmp/review_runs", { force: true })
const pool = new Pool(1)
await pool.apply(() => 0)
const t0 = Date.now()
try {
  console.log(await pool.map((x) => { require("node:fs").appendFileSync("/tmp/review_runs", String(x)); if (x === 1) for (;;); return x }, [0, 1], { chunksize: 1, timeout: 0.3 }))
} catch (e) { console.log("map failed after", Date.now() - t0, "ms:", e._tag, "-", e.message) }
console.log("items run (in order):", readFileSync("/tmp/review_runs", "utf8"))
pool.terminate(); await pool.join()
