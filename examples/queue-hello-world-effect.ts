// The first example of the multiprocess README through the Effect face: the
// child puts a string, the parent gets it (Process.run waits for the child).
import { Effect } from "effect"
import { NodeMultiprocessing, Process, Queue } from "effect-multiprocessing"

const f = (q: Queue.Queue) => q.put("hello world")

const program = Effect.gen(function*() {
  const q = yield* Queue.make()
  yield* Process.run({ target: f, args: [q] })
  console.log(yield* q.get())
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
