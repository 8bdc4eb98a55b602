import { Pool } from "effect-multiprocessing/compat"
const pool = new Pool(1)
await pool.apply(() => 0)
const t0 = Date.now()
const a = pool.applyAsync(() => "fast ok")              // no limit
const b = pool.applyAsync(() => { for (;;); }, [], { timeout: 0.3 }) // hard limit 300 ms
try { console.log("b:", await b.get(5)) } catch (e) { console.log("b failed after", Date.now() - t0, "ms:", e.name, e._tag ?? "") }
console.log("a ready:", a.ready())
const c = pool.map((x) => { if (x === 1) for (;;); return x }, [0, 1], { chunksize: 1, timeout: 0.3 })
try { console.log(await Promise.race([c, new Promise((_, j) => setTimeout(() => j(new Error("map still pending after 5 s")), 5000))])) } catch (e) { console.log("map failed:", e._tag, e.message) }
pool.terminate(); await pool.join()
