import { Pool } from "effect-multiprocessing/compat"
const pool = new Pool(2)
const f = (x) => { if (x === -1) { const t = Date.now(); while (Date.now() - t < 3000); } return x }
for (let i = 0; i < 300; i++) await pool.apply(f, [i])
const t = performance.now()
const slow = pool.applyAsync(f, [-1])
const fast = Array.from({ length: 200 }, (_, i) => pool.applyAsync(f, [i]).get().then(() => performance.now() - t))
const times = (await Promise.all(fast)).sort((a, b) => a - b)
console.log("fast tasks submitted with one 3 s task: median", Math.round(times[100]), "ms, max", Math.round(times[199]), "ms; late(>1s):", times.filter((x) => x > 1000).length)
await slow.get(); pool.terminate(); await pool.join()
