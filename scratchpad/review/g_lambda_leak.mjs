import { Pool } from "effect-multiprocessing/compat"
const pool = new Pool(1)
const rss = () => pool.apply(() => { globalThis.gc?.(); return Math.round(process.memoryUsage().heapUsed / 1e6) })
console.log("heap MB before", await rss())
let t0 = Date.now()
for (let i = 0; i < 20000; i += 1000) {
  await Promise.all(Array.from({ length: 1000 }, (_, j) => pool.apply((x) => x + 1, [i + j])))
}
console.log("20000 applies of fresh lambdas:", Date.now() - t0, "ms; heap MB after", await rss())
const same = (x) => x + 1
t0 = Date.now()
for (let i = 0; i < 20000; i += 1000) await Promise.all(Array.from({ length: 1000 }, (_, j) => pool.apply(same, [i + j])))
console.log("20000 applies of one function:", Date.now() - t0, "ms")
pool.terminate(); await pool.join()
