// How often does a fast parent find no message queued (and so wait through a fiber) in a 1 KiB stream?
import { Effect, Exit } from "effect"
import { Pipe, Process } from "effect-multiprocessing/compat"
const KEY = Symbol.for("effect-multiprocessing/compat/Connection")
const target = async (conn, n) => { const b = new Uint8Array(1024).fill(7); await conn.recvBytes(); for (let i = 0; i < n; i++) await conn.sendBytes(b) }
const [here, there] = await Pipe()
const N = 200000
const child = new Process({ target, args: [there, N] })
child.start(); there.close()
await here.sendBytes(new Uint8Array(1))
const inner = here[KEY]
let waits = 0
const t0 = performance.now()
for (let i = 0; i < N; i++) {
  const r = inner.unsafeRecvBytes()
  if (!Exit.isExit(r)) {
    waits++
    await Effect.runPromise(r)
  }
}
console.log("msgs/s", Math.round(N / ((performance.now() - t0) / 1000)), "waits", waits, "per 1000 msgs", (waits / N * 1000).toFixed(1))
here.close(); await child.join(); child.close()
