// billiard's reliability, through the compat face: a pool that keeps serving
// when a task takes its worker down or runs too long.
// - A worker that dies mid-task (here it kills itself with SIGKILL) fails that
//   task alone, with a WorkerLostError carrying the worker's pid, exit code and
//   signal; a new worker takes its place.
// - A task past its hard `timeout` (seconds) has its worker killed and replaced:
//   TimeLimitExceeded.
// - A task past its `softTimeout` is abandoned (its taskSignal() aborted) and the
//   same worker moves on: SoftTimeLimitExceeded.
import { Pool, SoftTimeLimitExceeded, TimeLimitExceeded, WorkerLostError } from "effect-multiprocessing/compat"

const suicide = () => process.kill(process.pid, "SIGKILL")
// Blocks its worker for 10 seconds without using the CPU, as time.sleep(10) does.
const sleepSync = (seconds: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000)
const never = () => new Promise(() => {})
const square = (x: number) => x * x
const getpid = (_task: number) => process.pid

const pool = new Pool(2)
try {
  const before = [...pool.pids]
  try {
    await pool.apply(suicide)
  } catch (error) {
    if (!(error instanceof WorkerLostError)) throw error
    console.log(`WorkerLostError: pid ${error.pid}, signal ${error.signal}, exit code ${error.exitCode}`)
    console.log(`the lost worker was one of the pool's: ${before.includes(error.pid)}; replaced: ${!pool.pids.includes(error.pid)}`)
  }
  console.log("still serving:", await pool.map(square, [1, 2, 3, 4]))

  try {
    await pool.apply(sleepSync, [10], { timeout: 0.5 })
  } catch (error) {
    if (!(error instanceof TimeLimitExceeded)) throw error
    console.log(`TimeLimitExceeded after ${error.limitMs} ms: worker ${error.pid} killed; replaced: ${!pool.pids.includes(error.pid)}`)
  }
  console.log("still serving:", await pool.map(square, [5, 6, 7, 8]))

  try {
    await pool.apply(never, [], { softTimeout: 0.5 })
  } catch (error) {
    if (!(error instanceof SoftTimeLimitExceeded)) throw error
    console.log(`SoftTimeLimitExceeded after ${error.limitMs} ms: worker ${error.pid} kept: ${pool.pids.includes(error.pid)}`)
  }
  const answeredBy = await pool.map(getpid, [1, 2, 3, 4], { chunksize: 1 })
  console.log(`${pool.pids.length} workers; every answer from one of them: ${answeredBy.every((pid) => pool.pids.includes(pid))}`)
} finally {
  pool.terminate()
  await pool.join()
}
