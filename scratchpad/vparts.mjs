import { Process, Value, Lock } from "effect-multiprocessing/compat"
const target = async (value, n) => {
  const stat = (name, times) => {
    times.sort((a, b) => a - b)
    const q = (p) => (times[Math.floor(p * times.length)] * 1000).toFixed(0)
    console.log(name.padEnd(10), "p10", q(0.1), "p50", q(0.5), "p90", q(0.9), "p99", q(0.99))
  }
  const run = async (name, f) => {
    const times = []
    for (let i = 0; i < n; i++) { const t = performance.now(); await f(); times.push(performance.now() - t) }
    stat(name, times)
  }
  const lock = await value.getLock()
  await run("acq/rel", async () => { await lock.acquire(); await lock.release() })
  await run("get", () => value.get())
  await run("set", () => value.set(1))
  await run("get+set", async () => value.set(await value.get()))
  await run("withLock0", () => value.withLock(async () => {}))
  await run("withLock", () => value.withLock(async () => value.set((await value.get()) + 1)))
  await run("manual", async () => { await lock.acquire(); await value.set((await value.get()) + 1); await lock.release() })
}
const value = Value("i", 0)
const c = new Process({ target, args: [value, 10000] })
c.start(); await c.join()
value.close()
