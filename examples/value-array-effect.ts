// Python's shared Value and Array example through the Effect face.
import { Effect } from "effect"
import { NodeMultiprocessing, Process, SharedValue } from "effect-multiprocessing"

const f = async (n: SharedValue.SharedValue<"d">, a: SharedValue.SharedArray<"i">) => {
  const { Effect } = await import("effect")
  return Effect.gen(function*() {
    yield* n.set(3.1415927)
    for (let i = 0; i < a.length; i++) yield* a.setItem(i, -(yield* a.getItem(i)))
  })
}

const program = Effect.gen(function*() {
  const num = yield* SharedValue.makeValue("d", 0.0)
  const arr = yield* SharedValue.makeArray("i", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  yield* Process.run({ target: f, args: [num, arr] })
  console.log(yield* num.get)
  console.log(yield* arr.getSlice())
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
