import { Lock, Process } from "effect-multiprocessing/compat"
const lock = new Lock()
const child = new Process({
  target: async (lock) => {
    for (let i = 0; i < 20000; i++) { await lock.acquire(); await lock.release() }
    globalThis.__spin = undefined
    const n = 10000, t1 = performance.now()
    for (let i = 0; i < n; i++) { await lock.acquire(); await lock.release() }
    console.log("acquire+release us", ((performance.now() - t1) * 1000 / n).toFixed(1), "child spins", JSON.stringify(globalThis.__spin))
  },
  args: [lock]
})
child.start()
setTimeout(() => { globalThis.__spin = undefined }, 2500)
await child.join()
const st = globalThis.__spin; const g = (st.gaps ?? []).sort((a, b) => a - b); console.log("owner spins", st.calls, st.hit, st.miss, "gap after a missed spin: median us", (g[g.length >> 1] * 1000).toFixed(1), "p10", (g[Math.floor(g.length * 0.1)] * 1000).toFixed(1))
