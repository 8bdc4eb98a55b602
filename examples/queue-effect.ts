// Python's Queue example (the multiprocessing docs) through the Effect face:
// the child's target returns an Effect that puts on the queue it was given.
import { Effect } from "effect"
import { NodeMultiprocessing, Process, ProcessQueue } from "effect-multiprocessing"

const f = (q: ProcessQueue.Queue) => q.put([42, null, "hello"])

const program = Effect.gen(function*() {
  const q = yield* ProcessQueue.make()
  const p = yield* Process.start({ target: f, args: [q] })
  console.log(yield* q.get()) // prints "[ 42, null, 'hello' ]"
  yield* p.join()
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
