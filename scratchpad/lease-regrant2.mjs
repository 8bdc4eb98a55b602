// Review probe: how long an owner's acquire waits once the lease is re-granted in the recall gap.
import { Lock, Process } from "effect-multiprocessing/compat"
const lock = new Lock()
const child = new Process({
  target: async (lock) => {
    const until = Date.now() + 3000
    while (Date.now() < until) { await lock.acquire(); await lock.release() }
    await new Promise((r) => setTimeout(r, 3000)) // idle, lease kept, process alive
  },
  args: [lock]
})
child.start()
const t0 = Date.now()
await new Promise((r) => setTimeout(r, 300))
for (let i = 0; i < 2000; i++) {
  const t = Date.now()
  await lock.acquire()
  const waited = Date.now() - t
  await lock.release()
  if (waited > 200) { console.log(`acquire #${i} waited ${waited} ms, returned at t=${Date.now() - t0} ms (child loops until ~3000, exits ~6000)`); break }
  await new Promise((r) => setTimeout(r, 3))
}
await child.join()
process.exit(0)
