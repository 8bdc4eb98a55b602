// One task at a time through the Effect face's Pool.apply (no tracer installed: Effect's own, in
// memory), and through the compat face: what the spans around a task cost. Run after a build:
// node scratchpad/apply-latency-spans.mjs [rounds] [tasks per round]
// Measured on a 2-core machine at load 10-14, interleaved with the build before spans (7 runs each):
// Effect face 309 µs median after, 300 before; compat 180 after, 147-225 before: within noise.
import { Effect } from "effect"
import { NodeMultiprocessing, Pool } from "effect-multiprocessing"
import * as compat from "effect-multiprocessing/compat"

const rounds = Number(process.argv[2] ?? 7)
const n = Number(process.argv[3] ?? 2000)
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const double = (x) => x * 2

const effectFace = Effect.gen(function*() {
  const pool = yield* Pool.make({ processes: 1 })
  for (let i = 0; i < 500; i++) yield* pool.apply(double, [i])
  const perRound = []
  for (let r = 0; r < rounds; r++) {
    const start = performance.now()
    for (let i = 0; i < n; i++) yield* pool.apply(double, [i])
    perRound.push(((performance.now() - start) * 1000) / n)
  }
  return perRound
}).pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer))

const compatFace = async () => {
  const pool = new compat.Pool(1)
  for (let i = 0; i < 500; i++) await pool.apply(double, [i])
  const perRound = []
  for (let r = 0; r < rounds; r++) {
    const start = performance.now()
    for (let i = 0; i < n; i++) await pool.apply(double, [i])
    perRound.push(((performance.now() - start) * 1000) / n)
  }
  await pool.terminate()
  return perRound
}

const effectRounds = await Effect.runPromise(effectFace)
const compatRounds = await compatFace()
console.log(JSON.stringify({ effect_apply_us: median(effectRounds), compat_apply_us: median(compatRounds) }))
