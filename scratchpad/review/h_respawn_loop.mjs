import { Pool } from "effect-multiprocessing/compat"
const pool = new Pool(1, { initializer: () => { setTimeout(() => { throw new Error("db connection lost") }, 20) } })
const seen = new Set()
const t0 = Date.now()
while (Date.now() - t0 < 2000) { for (const p of pool.pids) seen.add(p); await new Promise((r) => setTimeout(r, 5)) }
console.log("workers started in 2 s:", seen.size)
try { console.log(await pool.apply(() => new Promise((r) => setTimeout(() => r("ok"), 50)))) } catch (e) { console.log("apply:", e._tag, e.message.slice(0, 120)) }
pool.terminate(); await pool.join()
