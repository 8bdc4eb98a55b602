import { Pool } from "effect-multiprocessing/compat"
const pool = new Pool(1, { initializer: () => new Promise((r) => setTimeout(r, 2000)) })
const f = (x) => x + 1
for (let i = 0; i < 200; i++) await pool.apply(f, [i]) // ready and measured
pool.grow(1) // a second worker, 2 s from ready
let t = performance.now()
await pool.map(f, Array.from({ length: 400 }, (_, i) => i), { chunksize: 1 })
console.log("map of 400 quick items while a worker starts:", Math.round(performance.now() - t), "ms")
t = performance.now()
await pool.map(f, Array.from({ length: 400 }, (_, i) => i), { chunksize: 1 })
console.log("same map once both are ready:", Math.round(performance.now() - t), "ms")
pool.terminate(); await pool.join()
