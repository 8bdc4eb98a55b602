import { Effect } from "effect"
import { NodeMultiprocessing, Pool, Target } from "effect-multiprocessing"
const mod = Target.module(new URL("./mod.mjs", import.meta.url))
const prog = Effect.gen(function* () {
  const pool = yield* Pool.make({ processes: 1, initializer: async () => { await new Promise((r) => setTimeout(r, 200)); globalThis.initDone = "initializer done" } })
  console.log("module saw at import:", yield* pool.apply(mod.get, []))
})
await Effect.runPromise(Effect.scoped(Effect.provide(prog, NodeMultiprocessing.layer)))
