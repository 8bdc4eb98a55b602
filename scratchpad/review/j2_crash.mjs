import { Pool } from "effect-multiprocessing/compat"
const pool = new Pool(1)
await pool.apply(() => 0)
const busy = pool.applyAsync(() => new Promise((r) => setTimeout(r, 300)))
const r = pool.applyAsync(() => "ok", [], { softTimeout: 60 * 86400 }) // worker busy: dispatched on nextTick
console.log("submitted; waiting")
try { console.log(await r.get()) } catch (e) { console.log("caller got", e.message) }
pool.terminate(); await pool.join()
