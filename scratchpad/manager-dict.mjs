// Manager dict get/set round trips from the parent, and where the time goes.
import { Manager } from "effect-multiprocessing/compat"
const t0 = performance.now()
const m = await Manager()
console.log("Manager() ms", (performance.now() - t0).toFixed(0))
const d = await m.dict()
for (let i = 0; i < 2000; i++) await d.setItem(i % 100, i)
for (const op of ["setItem", "getItem"]) {
  const times = []
  for (let i = 0; i < 3000; i++) {
    const s = performance.now()
    if (op === "setItem") await d.setItem(i % 100, i)
    else await d.getItem(i % 100)
    times.push(performance.now() - s)
  }
  times.sort((a, b) => a - b)
  console.log(op, "median us", (times[times.length >> 1] * 1000).toFixed(1), "p90", (times[Math.floor(times.length * 0.9)] * 1000).toFixed(1))
}
await m.shutdown()
