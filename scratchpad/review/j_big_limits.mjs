import { Pool } from "effect-multiprocessing/compat"
process.on("uncaughtException", (e) => { console.log("PARENT uncaughtException:", e.code, e.message); process.exit(1) })
const pool = new Pool(1)
await pool.apply(() => 0)
try { console.log("hard 30 days:", await pool.apply(() => new Promise((r) => setTimeout(() => r("ok"), 100)), [], { timeout: 30 * 86400 })) }
catch (e) { console.log("hard 30 days:", e._tag, e.message) }
try { console.log("soft 60 days:", await pool.apply(() => "ok", [], { softTimeout: 60 * 86400 })) }
catch (e) { console.log("soft 60 days:", e._tag, e.stack) }
pool.terminate(); await pool.join()
