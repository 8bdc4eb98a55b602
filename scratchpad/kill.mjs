import * as compat from "effect-multiprocessing/compat"
const lock = new compat.Lock()
const child = new compat.Process({
  target: async (lock, n) => {
    for (let i = 0; i < n; i++) { await lock.acquire(); await lock.release() }
    await lock.acquire()
    process.kill(process.pid, "SIGKILL")
  },
  args: [lock, 50]
})
child.start()
console.log(await child.join(), child.exitcode)
console.log(await lock.acquire(true, 10))
lock.close()
