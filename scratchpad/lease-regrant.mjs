// Review probe: owner acquires while a child keeps taking the lock (lease re-grant race).
import { Lock, Process } from "effect-multiprocessing/compat"
const lock = new Lock()
const child = new Process({
  target: async (lock) => {
    const until = Date.now() + 4000
    let n = 0
    while (Date.now() < until) { await lock.acquire(); n++; await lock.release() }
    return n
  },
  args: [lock]
})
child.start()
await new Promise((r) => setTimeout(r, 300))
let stuck = 0, ok = 0
const end = Date.now() + 3000
while (Date.now() < end) {
  const t = Date.now()
  const got = await Promise.race([lock.acquire().then(() => "got"), new Promise((r) => setTimeout(() => r("stuck"), 500))])
  if (got === "got") { ok++; await lock.release(); await new Promise((r) => setTimeout(r, 5)) } else { stuck++; console.log("owner acquire waiting >500ms; child still running", Date.now() - t); break }
}
console.log({ ok, stuck })
await child.join()
console.log("child exit", child.exitcode)
process.exit(0)
