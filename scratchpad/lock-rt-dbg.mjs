import { Lock, Process } from "effect-multiprocessing/compat"
const lock = new Lock()
const child = new Process({
  target: async (lock) => {
    for (let i = 0; i < 20000; i++) { await lock.acquire(); await lock.release() }
    globalThis.__rt = []
    const n = 10000, t1 = performance.now()
    for (let i = 0; i < n; i++) { await lock.acquire(); await lock.release() }
    const g = globalThis.__rt.sort((a, b) => a - b)
    console.log("acquire+release us", ((performance.now() - t1) * 1000 / n).toFixed(1), "send→reply median us", (g[g.length >> 1] * 1000).toFixed(1), "p90", (g[Math.floor(g.length * 0.9)] * 1000).toFixed(1))
  },
  args: [lock]
})
child.start()
await child.join()
