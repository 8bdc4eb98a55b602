import { Effect, Redacted } from "effect"
import { ClusterPool } from "../dist/cluster.js"
const t0 = Date.now()
const prog = Effect.scoped(Effect.gen(function*() {
  const pool = yield* ClusterPool.make({ store: "file:/tmp/c22spike/c.db", secret: Redacted.make("s"), minRunners: 3 })
  console.log("ready", Date.now() - t0)
  const t1 = Date.now()
  const r = yield* pool.map((x) => x * 2, Array.from({ length: 10000 }, (_, i) => i))
  console.log("map", r.length, r[9999], Date.now() - t1)
  for (let k = 0; k < 3; k++) {
    const t2 = Date.now()
    const r2 = yield* pool.map((x) => x * 2, Array.from({ length: 10000 }, (_, i) => i))
    console.log("map again", r2.length, Date.now() - t2)
  }
  const t3 = Date.now()
  for (let k = 0; k < 50; k++) yield* pool.apply((a, b) => a + b, [1, 2])
  console.log("apply x50", (Date.now() - t3) / 50, "ms each")
  const a = yield* pool.apply((a, b) => a + b, [1, 2])
  console.log("apply", a)
  const e = yield* Effect.either(pool.apply((x) => { throw new Error("boom " + x) }, [5]))
  console.log("err", e._tag, e.left?._tag, e.left?.message)
}))
Effect.runPromise(prog).then(() => process.exit(0), (e) => { console.error("FAIL", e); process.exit(1) })
