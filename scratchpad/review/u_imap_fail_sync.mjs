import { Pool } from "effect-multiprocessing/compat"
import { rmSync, readFileSync, existsSync } from "node:fs"
const pool = new Pool(2)
await pool.map((x) => x, Array.from({ length: 2000 }, (_, i) => i), { chunksize: 1 })
let worst = 0
for (let round = 0; round < 20; round++) {
  rmSync("/tmp/review_imap", { force: true })
  const it = pool.imap((x) => { if (x === 0) throw new Error("first fails"); require("node:fs").appendFileSync("/tmp/review_imap", "x"); return new Promise((r) => setTimeout(() => r(x), 10)) }, Array.from({ length: 100 }, (_, i) => i))
  try { for await (const x of it); } catch {}
  await new Promise((r) => setTimeout(r, 400))
  const n = existsSync("/tmp/review_imap") ? readFileSync("/tmp/review_imap", "utf8").length : 0; worst = Math.max(worst, n); process.stdout.write(n + " ")
}
console.log("most items run after the first failed (of 99):", worst)
pool.terminate(); await pool.join()
