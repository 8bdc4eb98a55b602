// Python's "Using a pool of workers" example (the multiprocessing docs), with
// the `imap` lines of the docs' Pool example, through the Effect face (the
// Python is in examples/pool.ts):
// - the pool lives as long as the Scope, as Python's `with Pool(...)` block:
//   closing the Scope terminates the workers and waits for them;
// - `apply_async` is a forked `pool.apply`, and `res.get(timeout=1)` a join of
//   that fiber with `Effect.timeout("1 second")`: the wait times out, the task
//   goes on (timing out `pool.apply` itself would withdraw the task);
// - `imap` and `imap_unordered` are Streams.
import { Console, Effect, Fiber, Stream } from "effect"
import { NodeMultiprocessing, ProcessPool } from "effect-multiprocessing"

const f = (x: number) => x * x
const getpid = () => process.pid
const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000))
const range = (n: number) => Array.from({ length: n }, (_, i) => i)

const program = Effect.gen(function*() {
  // start 4 worker processes
  const pool = yield* ProcessPool.make({ processes: 4 })

  // prints [0, 1, 4, ..., 81] (Node spreads it over lines)
  console.log(yield* pool.map(f, range(10)))

  // print same numbers in arbitrary order
  yield* Stream.runForEach(pool.imapUnordered(f, range(10)), (i) => Console.log(i))

  // the first three of an imap: the Stream ends there, the rest is withdrawn
  const firstThree = yield* Stream.runCollect(Stream.take(pool.imap(f, range(10)), 3))
  for (const x of firstThree) console.log(x) // prints "0", "1", "4"

  // evaluate "f(20)" asynchronously
  const res = yield* Effect.fork(pool.apply(f, [20])) // runs in *only* one process
  console.log(yield* Effect.timeout(Fiber.join(res), "1 second")) // prints "400"

  // evaluate "process.pid" asynchronously
  const pidRes = yield* Effect.fork(pool.apply(getpid, [])) // runs in *only* one process
  console.log(yield* Effect.timeout(Fiber.join(pidRes), "1 second")) // prints the PID of that process

  // launching multiple evaluations asynchronously *may* use more processes
  const multipleResults = yield* Effect.forEach(range(4), () => Effect.fork(pool.apply(getpid, [])))
  console.log(yield* Effect.forEach(multipleResults, (res) => Effect.timeout(Fiber.join(res), "1 second")))

  // make a single worker sleep for 10 seconds
  const sleepRes = yield* Effect.fork(pool.apply(sleep, [10]))
  yield* Fiber.join(sleepRes).pipe(
    Effect.timeout("1 second"),
    Effect.flatMap((value) => Console.log(value)),
    Effect.catchTag("TimeoutException", () => Console.log("We lacked patience and got a TimeoutException"))
  )

  console.log("For the moment, the pool remains available for more work")
})

await Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
// closing the Scope has stopped the pool
console.log("Now the pool is closed and no longer available")
