import { Effect } from "effect"
import { Pool, NodeMultiprocessing } from "effect-multiprocessing"
const pool = await Effect.runPromise(Pool.unsafeMake({ processes: 2 }).pipe(Effect.provide(NodeMultiprocessing.layer)))
const f = (x) => x
const run = (n) => new Promise((resolve) => {
  let left = n
  for (let i = 0; i < n; i++) pool.unsafeApply(f, [i], undefined, (exit) => { if (--left === 0) resolve() })
})
await run(1000)
for (let r = 0; r < 3; r++) {
  const t = performance.now(); await run(100000); const ms = performance.now() - t
  console.log("100k", ms.toFixed(0), "ms", (100000 / ms * 1000).toFixed(0), "/s")
}
// latency
const lat = []
for (let i = 0; i < 2000; i++) { const t = performance.now(); await new Promise((res) => pool.unsafeApply(f, [i], undefined, res)); lat.push(performance.now() - t) }
lat.sort((a, b) => a - b); console.log("latency median us", (lat[1000] * 1000).toFixed(1))
const xs = Array.from({ length: 200000 }, (_, i) => i)
for (let r = 0; r < 3; r++) { const t = performance.now(); await Effect.runPromise(pool.map((x) => x * 2, xs)); console.log("map200k", (performance.now() - t).toFixed(1)) }
pool.core.terminate()
