import { Pool } from "effect-multiprocessing/compat"
const pool = new Pool(2)
console.log(await pool.map((x) => x * 2, [1, 2, 3]))
const it = pool.imap((x) => x, [1, 2, 3])
for await (const x of it) { if (x === 2) break }
const r = pool.applyAsync(() => 1)
console.log("end of script", pool.pids)
