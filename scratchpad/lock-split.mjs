// Remote Lock from a child: where the time of an acquire+release pair goes (acquire, release, CPU).
import { Lock, Process } from "effect-multiprocessing/compat"
const lock = new Lock()
const child = new Process({
  target: async (lock) => {
    for (let i = 0; i < 30000; i++) { await lock.acquire(); await lock.release() }
    const n = 10000, a = [], r = []
    const c0 = process.cpuUsage()
    for (let i = 0; i < n; i++) {
      const t0 = performance.now(); await lock.acquire(); const t1 = performance.now(); await lock.release(); const t2 = performance.now()
      a.push(t1 - t0); r.push(t2 - t1)
    }
    const c = process.cpuUsage(c0)
    const med = (x) => (x.sort((p, q) => p - q)[x.length >> 1] * 1000).toFixed(1)
    console.log("acquire median us", med(a), "release median us", med(r), "child cpu per pair us", ((c.user + c.system) / n).toFixed(1))
  },
  args: [lock]
})
child.start()
const c0 = process.cpuUsage()
await child.join()
const c = process.cpuUsage(c0)
console.log("owner cpu per pair us (incl. warm-up)", ((c.user + c.system) / 40000).toFixed(1))
