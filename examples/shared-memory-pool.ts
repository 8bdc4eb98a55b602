// A Pool of 2 sums the two halves of one array of 1 M float64 in shared memory:
// the workers read the parent's memory, nothing is copied. Python's version,
// with multiprocessing.shared_memory and a memoryview (no numpy):
//
//   >>> from multiprocessing import Pool
//   >>> from multiprocessing.shared_memory import SharedMemory
//   >>> def sum_range(name, start, end):
//   ...     shm = SharedMemory(name)
//   ...     data = shm.buf.cast("d")
//   ...     total = sum(data[start:end])
//   ...     data.release(); shm.close()
//   ...     return total
//   >>> n = 1_000_000
//   >>> shm = SharedMemory(create=True, size=n * 8)
//   >>> data = shm.buf.cast("d")
//   >>> for i in range(n): data[i] = i * 0.5
//   >>> with Pool(2) as pool:
//   ...     print(sum(pool.starmap(sum_range, [(shm.name, 0, n // 2), (shm.name, n // 2, n)])))
//   249999750000.0
//
// Here the SharedMemory itself is the task's argument: it reaches each worker
// attached by its name, as Python pickles it. A Float64Array over `buf.buffer`
// is the typed view.
import { Pool, SharedMemory } from "effect-multiprocessing/compat"

const n = 1_000_000
const shm = new SharedMemory({ create: true, size: n * 8 })
const data = new Float64Array(shm.buf.buffer)
for (let i = 0; i < n; i++) data[i] = i * 0.5

const sumRange = (shm: SharedMemory, start: number, end: number) => {
  const data = new Float64Array(shm.buf.buffer)
  let total = 0
  for (let i = start; i < end; i++) total += data[i]
  shm.close()
  return total
}

const pool = new Pool(2)
const halves = await pool.starmap(sumRange, [[shm, 0, n / 2], [shm, n / 2, n]])
console.log(`halves: ${halves.join(" + ")}`)
console.log(`sum: ${halves[0] + halves[1]}`) // 249999750000
pool.close()
await pool.join()
shm.close()
shm.unlink() // the creator frees it when no process needs it any more
