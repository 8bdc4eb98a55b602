// The JoinableQueue workers example through the Effect face: two workers mark
// each task done; the main process waits for that with join. Instead of one
// None sentinel per worker, the queue is ended: each worker's Stream of tasks
// finishes once the queue has ended and is empty.
import { Effect } from "effect"
import { NodeMultiprocessing, Process, ProcessQueue } from "effect-multiprocessing"

const worker = async (q: ProcessQueue.JoinableQueue) => {
  const { Effect, Stream } = await import("effect")
  const { ProcessQueue } = await import("effect-multiprocessing")
  return Stream.runForEach(ProcessQueue.toStream(q), (item) =>
    Effect.sync(() => console.log(`Processing ${item}`)).pipe(
      Effect.zipRight(Effect.sleep("1 second")), // Simulate work
      Effect.zipRight(q.taskDone)
    ))
}

const program = Effect.gen(function*() {
  const q = yield* ProcessQueue.makeJoinable()
  const workers = yield* Effect.forEach([0, 1], () => Process.start({ target: worker, args: [q] }))
  const tasks = Array.from({ length: 5 }, (_, i) => `task-${i}`)
  yield* Effect.forEach(tasks, (task) => q.put(task), { discard: true })
  yield* q.join // Wait for all tasks to complete
  console.log("All tasks completed")
  yield* q.end // Stop workers
  yield* Effect.forEach(workers, (p) => p.result, { discard: true })
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
