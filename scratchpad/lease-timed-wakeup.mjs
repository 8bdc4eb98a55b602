// Review probe: a timed acquire waiting on a lent lock, released right after it started waiting.
import { Lock, Pipe, Process } from "effect-multiprocessing/compat"
const lock = new Lock()
const probe = async (lock) => {
  await lock.acquire()
  const t = Date.now()
  const p = lock.acquire(true, 2) // waits: held
  await lock.release()            // freed at once
  const got = await p
  await lock.release().catch(() => {})
  return `timed acquire -> ${got} after ${Date.now() - t} ms`
}
console.log("owner (no lease):", await probe(lock))
const [here, there] = await Pipe()
const child = new Process({
  target: async (lock, conn, probe) => {
    for (let i = 0; i < 100; i++) { await lock.acquire(); await lock.release() }
    await conn.send(await eval(probe)(lock))
  },
  args: [lock, there, probe.toString()]
})
child.start()
there.close()
console.log("borrower:", await here.recv())
await child.join()
process.exit(0)
