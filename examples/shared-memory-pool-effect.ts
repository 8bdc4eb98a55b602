// examples/shared-memory-pool.ts through the Effect face (the Python is
// there): a Pool of 2 sums the two halves of one array of 1 M float64 in
// shared memory. The SharedMemory is closed when the program's Scope closes;
// the creator unlinks it, as in Python.
import { Effect } from "effect"
import { NodeMultiprocessing, ProcessPool, SharedMemory } from "effect-multiprocessing"

const n = 1_000_000

const sumRange = (shm: SharedMemory.SharedMemory, start: number, end: number) => {
  const data = new Float64Array(shm.buf.buffer)
  let total = 0
  for (let i = start; i < end; i++) total += data[i]
  return total
}

const program = Effect.gen(function*() {
  const shm = yield* SharedMemory.make({ create: true, size: n * 8 })
  yield* Effect.addFinalizer(() => Effect.ignore(shm.unlink))
  const data = new Float64Array(shm.buf.buffer)
  for (let i = 0; i < n; i++) data[i] = i * 0.5

  const pool = yield* ProcessPool.make({ processes: 2 })
  const halves = yield* pool.starmap(sumRange, [[shm, 0, n / 2], [shm, n / 2, n]])
  console.log(`halves: ${halves.join(" + ")}`)
  console.log(`sum: ${halves[0] + halves[1]}`) // 249999750000
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
