import { Pool } from "effect-multiprocessing/compat"
const pool = new Pool(2)
await pool.map((x) => x, [1, 2, 3, 4])
const durations = [2000, 500, 500, 500, 500, 500, 500, 500]
const t0 = Date.now()
const ends = await pool.map((ms) => new Promise((r) => setTimeout(() => r(process.pid), ms)), durations, { chunksize: 1 })
console.log("makespan", Date.now() - t0, "ms (ideal ~2000); pids per task", ends.map((p) => p === ends[0] ? "A" : "B").join(""))
pool.terminate(); await pool.join()
