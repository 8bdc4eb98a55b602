// In one process: how many 1 KiB messages per second cross a Pipe through each face,
// to see where the per-message cost sits (no child process, so no scheduling noise).
import { Effect } from "effect"
import { Pipe } from "effect-multiprocessing"
import { Pipe as CompatPipe } from "effect-multiprocessing/compat"
const N = 20000
const message = new Uint8Array(1024)

const effectFace = Effect.scoped(Effect.gen(function*() {
  const [a, b] = yield* Pipe.make()
  const t0 = performance.now()
  yield* Effect.all([
    Effect.forEach(Array.from({ length: N }), () => a.sendBytes(message), { discard: true }),
    Effect.forEach(Array.from({ length: N }), () => b.recvBytes(), { discard: true })
  ], { concurrency: 2 })
  return N / ((performance.now() - t0) / 1000)
}))

const compatFace = async () => {
  const [a, b] = await CompatPipe()
  const t0 = performance.now()
  await Promise.all([
    (async () => { for (let i = 0; i < N; i++) await a.sendBytes(message) })(),
    (async () => { for (let i = 0; i < N; i++) await b.recvBytes() })()
  ])
  const rate = N / ((performance.now() - t0) / 1000)
  a.close(); b.close()
  return rate
}

for (let r = 0; r < 3; r++) {
  console.log("effect face msgs/s", (await Effect.runPromise(effectFace)).toFixed(0), " compat face msgs/s", (await compatFace()).toFixed(0))
}
