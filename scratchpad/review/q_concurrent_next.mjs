import { Pool } from "effect-multiprocessing/compat"
const pool = new Pool(1)
const it = pool.imap((x) => new Promise((r) => setTimeout(() => r(x), 50)), [1, 2, 3])
const both = Promise.all([it.next(), it.next()])
const r = await Promise.race([both, new Promise((r) => setTimeout(() => r("HUNG after 3 s"), 3000))])
console.log(r)
pool.terminate(); await pool.join()
