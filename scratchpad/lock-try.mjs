import { Lock, Process } from "effect-multiprocessing/compat"
const lock = new Lock()
console.log("local acquire", await lock.acquire(), "again non-blocking", await lock.acquire(false))
await lock.release()
const child = new Process({
  target: async (lock) => {
    const t0 = performance.now()
    const got = await lock.acquire()
    const second = await lock.acquire({ timeout: 0.2 })
    await lock.release()
    for (let i = 0; i < 20000; i++) { await lock.acquire(); await lock.release() }
    const n = 5000, t1 = performance.now()
    for (let i = 0; i < n; i++) { await lock.acquire(); await lock.release() }
    const per = (performance.now() - t1) * 1000 / n
    console.log("child: got", got, "second (timeout)", second, "first in ms", (t1 - t0).toFixed(1), "acquire+release us", per.toFixed(1))
  },
  args: [lock]
})
child.start()
await child.join()
console.log("exit", child.exitCode)
