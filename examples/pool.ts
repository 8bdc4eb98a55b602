// Python's "Using a pool of workers" example (the multiprocessing docs), ported
// to the compat face, with the `imap` lines of the docs' Pool example:
//
//   from multiprocessing import Pool, TimeoutError
//   import time
//   import os
//   def f(x):
//       return x*x
//   if __name__ == '__main__':
//       # start 4 worker processes
//       with Pool(processes=4) as pool:
//           # print "[0, 1, 4,..., 81]"
//           print(pool.map(f, range(10)))
//           # print same numbers in arbitrary order
//           for i in pool.imap_unordered(f, range(10)):
//               print(i)
//           it = pool.imap(f, range(10))          # (the Pool example)
//           print(next(it))                       # prints "0"
//           print(next(it))                       # prints "1"
//           print(it.next(timeout=1))             # prints "4" unless your computer is *very* slow
//           # evaluate "f(20)" asynchronously
//           res = pool.apply_async(f, (20,))      # runs in *only* one process
//           print(res.get(timeout=1))             # prints "400"
//           # evaluate "os.getpid()" asynchronously
//           res = pool.apply_async(os.getpid, ()) # runs in *only* one process
//           print(res.get(timeout=1))             # prints the PID of that process
//           # launching multiple evaluations asynchronously *may* use more processes
//           multiple_results = [pool.apply_async(os.getpid, ()) for i in range(4)]
//           print([res.get(timeout=1) for res in multiple_results])
//           # make a single worker sleep for 10 seconds
//           res = pool.apply_async(time.sleep, (10,))
//           try:
//               print(res.get(timeout=1))
//           except TimeoutError:
//               print("We lacked patience and got a multiprocessing.TimeoutError")
//           print("For the moment, the pool remains available for more work")
//       # exiting the 'with'-block has stopped the pool
//       print("Now the pool is closed and no longer available")
//
// Tasks travel to the workers as source text, so they use only their arguments
// (and globals such as `process`). Every call returns a Promise; timeouts are
// seconds, as in Python. The `with` block is a block holding the pool with
// `await using`: leaving it terminates the pool and waits for its workers.
import { Pool, TimeoutError } from "effect-multiprocessing/compat"

function f(x: number) {
  return x * x
}

const getpid = () => process.pid
const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000))
const range = (n: number) => Array.from({ length: n }, (_, i) => i)

{
  // start 4 worker processes
  await using pool = new Pool({ processes: 4 })

  // prints [0, 1, 4, ..., 81] (Node spreads it over lines)
  console.log(await pool.map(f, range(10)))

  // print same numbers in arbitrary order
  for await (const i of pool.imapUnordered(f, range(10))) {
    console.log(i)
  }

  const it = pool.imap(f, range(10))
  console.log((await it.next()).value) // prints "0"
  console.log((await it.next()).value) // prints "1"
  console.log((await it.next(1)).value) // prints "4" unless your computer is *very* slow
  await it.return() // done with it: what has not run is withdrawn

  // evaluate "f(20)" asynchronously
  const res = pool.applyAsync(f, [20]) // runs in *only* one process
  console.log(await res.get(1)) // prints "400"

  // evaluate "process.pid" asynchronously
  const pidRes = pool.applyAsync(getpid, []) // runs in *only* one process
  console.log(await pidRes.get(1)) // prints the PID of that process

  // launching multiple evaluations asynchronously *may* use more processes
  const multipleResults = range(4).map(() => pool.applyAsync(getpid, []))
  const pids: Array<number> = []
  for (const res of multipleResults) pids.push(await res.get(1))
  console.log(pids)

  // make a single worker sleep for 10 seconds
  const sleepRes = pool.applyAsync(sleep, [10])
  try {
    console.log(await sleepRes.get(1))
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error
    console.log("We lacked patience and got a multiprocessing.TimeoutError")
  }

  console.log("For the moment, the pool remains available for more work")
}
// exiting the block has stopped the pool
console.log("Now the pool is closed and no longer available")
