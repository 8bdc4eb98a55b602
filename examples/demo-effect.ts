// npm start: the same CPU-bound job — counting primes below 12 million — done by
// one child process, then split across one child per CPU, in parallel.
import * as os from "node:os"
import { Effect } from "effect"
import { NodeMultiprocessing, Process, ProcessContext } from "effect-multiprocessing"

const LIMIT = Number(process.env.DEMO_LIMIT ?? 12_000_000)

// Other programs running on the machine take CPUs from the children: read the
// load before starting, so the figure can be judged.
const loadBefore = os.loadavg()[0]
const loadNote = (cpus: number) =>
  loadBefore >= 0.5
    ? `(the machine's load average was ${loadBefore.toFixed(2)} on ${cpus} CPUs before the demo began: other programs were using them, so this speed-up understates what ${cpus} processes give on an idle machine)`
    : undefined

// Runs in the child: it travels as source, so it uses only its arguments.
const countPrimes = (from: number, to: number) => {
  let count = 0
  for (let n = Math.max(2, from); n < to; n++) {
    let prime = true
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false
        break
      }
    }
    if (prime) count++
  }
  return { count, pid: process.pid }
}

/** Splits [0, LIMIT) into `parts` ranges of about equal work (later numbers cost more). */
const ranges = (parts: number): Array<[from: number, to: number]> => {
  const bounds = Array.from({ length: parts + 1 }, (_, i) => Math.round(LIMIT * Math.pow(i / parts, 0.8)))
  return bounds.slice(0, -1).map((from, i): [number, number] => [from, bounds[i + 1]])
}

const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = performance.now()
    const value = yield* effect
    return { value, seconds: (performance.now() - start) / 1000 }
  })

const runAcross = (parts: number) =>
  Effect.all(
    ranges(parts).map(([from, to]) => Process.run({ target: countPrimes, args: [from, to] })),
    { concurrency: "unbounded" }
  )

const program = Effect.gen(function*() {
  const cpus = yield* ProcessContext.cpuCount
  console.log(`Counting primes below ${LIMIT.toLocaleString()} (main process pid ${process.pid}, ${cpus} CPUs)\n`)

  const one = yield* timed(runAcross(1))
  console.log(`1 process    (pid ${one.value[0].pid}): ${one.value[0].count} primes in ${one.seconds.toFixed(2)} s`)

  const many = yield* timed(runAcross(cpus))
  const total = many.value.reduce((sum, part) => sum + part.count, 0)
  console.log(`${cpus} processes (pids ${many.value.map((part) => part.pid).join(", ")}): ${total} primes in ${many.seconds.toFixed(2)} s`)
  console.log(`\nspeed-up: ${(one.seconds / many.seconds).toFixed(2)}× with ${cpus} processes`)
  const note = loadNote(cpus)
  if (note !== undefined) console.log(note)
  if (total !== one.value[0].count) throw new Error("the parallel count differs from the single-process count")
})

Effect.runPromise(Effect.provide(program, NodeMultiprocessing.layer)).catch((error) => {
  console.error(error)
  process.exit(1)
})
