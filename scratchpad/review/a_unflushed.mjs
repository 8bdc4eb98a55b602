// A fast task, then (same worker) one that blocks / dies synchronously.
import { Effect, Fiber } from "effect"
import { NodeMultiprocessing, Pool } from "effect-multiprocessing"
const prog = Effect.gen(function* () {
  const pool = yield* Pool.make({ processes: 1 })
  yield* pool.apply(() => 0, []) // warm: worker ready, function defined
  // 1) crash: fast then process.exit
  const fast = yield* Effect.fork(Effect.either(pool.apply(() => "fast ok", [])))
  const dying = yield* Effect.fork(Effect.either(pool.apply(() => { require("node:fs").appendFileSync("/tmp/review_dying_runs", "x"); process.exit(3) }, [])))
  const f = yield* Fiber.join(fast), d = yield* Fiber.join(dying)
  console.log("crash case: fast =", f._tag, f._tag === "Left" ? f.left._tag : f.right, "| dying =", d._tag, d._tag === "Left" ? d.left._tag : d.right)
  console.log("dying task ran", require_fs().readFileSync("/tmp/review_dying_runs", "utf8").length, "times")
  // 2) hard limit only on the looping task
  const fast2 = yield* Effect.fork(Effect.either(pool.apply(() => "fast ok", [])))
  const loop = yield* Effect.fork(Effect.either(pool.apply(() => { for (;;); }, [], { timeout: "300 millis" })))
  const r = yield* Fiber.join(Fiber.zip(fast2, loop)).pipe(Effect.timeout("4 seconds"), Effect.either)
  console.log("loop case:", r._tag === "Left" ? "HUNG (no result after 4 s)" : JSON.stringify(r.right.map((e) => e._tag === "Left" ? e.left._tag : e.right)))
  yield* pool.terminate
})
import { readFileSync, rmSync } from "node:fs"
const require_fs = () => ({ readFileSync })
rmSync("/tmp/review_dying_runs", { force: true })
await Effect.runPromise(Effect.scoped(Effect.provide(prog, NodeMultiprocessing.layer)))
