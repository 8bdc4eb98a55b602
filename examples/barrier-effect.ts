// A Barrier through the Effect face: three processes meet after each of three
// phases; the action runs once per phase, in this process.
import { Effect } from "effect"
import { Barrier, NodeMultiprocessing, Process } from "effect-multiprocessing"

const worker = async (barrier: Barrier.Barrier, id: number) => {
  const { Effect } = await import("effect")
  return Effect.forEach([0, 1, 2], () => Effect.zipRight(Effect.sleep(10 * (id + 1)), barrier.wait()))
}

const program = Effect.gen(function*() {
  let phase = 0
  const barrier = yield* Barrier.make(3, { action: Effect.sync(() => console.log(`all 3 workers finished phase ${phase++}`)) })
  const indices = yield* Effect.forEach([0, 1, 2], (id) => Process.run({ target: worker, args: [barrier, id] }), {
    concurrency: "unbounded"
  })
  console.log("indices per worker", JSON.stringify(indices))
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
