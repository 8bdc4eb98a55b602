import { Pool } from "effect-multiprocessing/compat"
let t0 = Date.now()
const pool = new Pool(2, { initializer: () => new Promise(() => {}) }) // never ready
const r = pool.applyAsync(() => 1)
pool.terminate(); await pool.join()
console.log("terminate+join during start-up:", Date.now() - t0, "ms;", await r.get().catch((e) => e._tag))
t0 = Date.now()
const p2 = new Pool(2)
const r2 = p2.mapAsync((x) => x, [1, 2, 3])
p2.close(); await p2.join()
console.log("close+join during start-up:", Date.now() - t0, "ms;", await r2.get())
