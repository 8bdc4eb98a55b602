import Piscina from "piscina"
import { Pool } from "effect-multiprocessing/compat"
const piscina = new Piscina({ filename: new URL("../bench/workers/piscina-double.mjs", import.meta.url).href, minThreads: 2, maxThreads: 2 })
const pool = new Pool(2)
const f = (x) => x * 2
const lat = async (run) => { for (let i = 0; i < 500; i++) await run(i); const l = []; for (let i = 0; i < 3000; i++) { const t = performance.now(); await run(i); l.push(performance.now() - t) } l.sort((a, b) => a - b); return (l[1500] * 1000).toFixed(1) }
for (let r = 0; r < 3; r++) {
  console.log("ours", await lat((i) => pool.apply(f, [i])), "piscina", await lat((i) => piscina.run(i)))
}
pool.terminate(); await piscina.destroy()
