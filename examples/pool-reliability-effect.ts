// billiard's reliability through the Effect face (see examples/pool-reliability.ts):
// the pool keeps serving when a task takes its worker down or runs too long, and
// each way of failing is a typed error to catch by its tag.
// - A worker that dies mid-task fails that task alone: WorkerLostError, with the
//   worker's pid, exit code and signal; a new worker takes its place.
// - A task past its hard `timeout` has its worker killed and replaced: TimeLimitExceeded.
// - A task past its `softTimeout` is abandoned (its taskSignal() aborted, an
//   Effect interrupted) and the same worker moves on: SoftTimeLimitExceeded.
import { Effect } from "effect"
import { NodeMultiprocessing, ProcessPool } from "effect-multiprocessing"

const suicide = () => process.kill(process.pid, "SIGKILL")
// Blocks its worker for 10 seconds without using the CPU, as time.sleep(10) does.
const sleepSync = (seconds: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000)
const never = () => new Promise(() => {})
const square = (x: number) => x * x
const getpid = (_task: number) => process.pid

const program = Effect.gen(function*() {
  const pool = yield* ProcessPool.make({ processes: 2 })
  const before = [...pool.pids]

  yield* pool.apply(suicide, []).pipe(
    Effect.catchTag("WorkerLostError", (error) =>
      Effect.sync(() => {
        console.log(`WorkerLostError: pid ${error.pid}, signal ${error.signal}, exit code ${error.exitCode}`)
        console.log(`the lost worker was one of the pool's: ${before.includes(error.pid)}; replaced: ${!pool.pids.includes(error.pid)}`)
      }))
  )
  console.log("still serving:", yield* pool.map(square, [1, 2, 3, 4]))

  yield* pool.apply(sleepSync, [10], { timeout: "500 millis" }).pipe(
    Effect.catchTag("TimeLimitExceeded", (error) =>
      Effect.sync(() =>
        console.log(`TimeLimitExceeded after ${error.limitMs} ms: worker ${error.pid} killed; replaced: ${!pool.pids.includes(error.pid)}`)
      ))
  )
  console.log("still serving:", yield* pool.map(square, [5, 6, 7, 8]))

  yield* pool.apply(never, [], { softTimeout: "500 millis" }).pipe(
    Effect.catchTag("SoftTimeLimitExceeded", (error) =>
      Effect.sync(() => console.log(`SoftTimeLimitExceeded after ${error.limitMs} ms: worker ${error.pid} kept: ${pool.pids.includes(error.pid)}`)))
  )
  const answeredBy = yield* pool.map(getpid, [1, 2, 3, 4], { chunksize: 1 })
  console.log(`${pool.pids.length} workers; every answer from one of them: ${answeredBy.every((pid) => pool.pids.includes(pid))}`)
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
