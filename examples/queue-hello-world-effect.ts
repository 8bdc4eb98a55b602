// The first example of the multiprocess README through the Effect face: the
// child puts a string, the parent gets it (Process.run waits for the child).
import { Effect } from "effect"
import { NodeMultiprocessing, Process, ProcessQueue } from "effect-multiprocessing"

const f = (q: ProcessQueue.Queue) => q.put("hello world")

const program = Effect.gen(function*() {
  const q = yield* ProcessQueue.make()
  yield* Process.run({ target: f, args: [q] })
  console.log(yield* q.get())
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
