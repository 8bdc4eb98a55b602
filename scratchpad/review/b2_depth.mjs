import { Pool } from "effect-multiprocessing/compat"
const pool = new Pool(1)
const N = Number(process.argv[2] ?? 20000)
const depth = () => { let n = 0; const f = () => { n++; f() }; try { f() } catch {} ; return n }
const r = await pool.map(depth, Array.from({ length: N }, (_, i) => i), { chunksize: 1 })
console.log("first", r[0], "min", Math.min(...r), "max", Math.max(...r), "last", r.at(-1))
const it = pool.imap(depth, Array.from({ length: N }, (_, i) => i))
let min = Infinity; for await (const d of it) min = Math.min(min, d)
console.log("imap min", min)
pool.terminate(); await pool.join()
