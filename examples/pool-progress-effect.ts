// A progress bar for a long map through the Effect face: `pool.mapWithProgress`
// is a Stream of `{ _tag: "Progress", done, total }` as chunks finish, then one
// `{ _tag: "Done", results }`. On a terminal the bar is redrawn in place (\r);
// when stdout is a file or a pipe it prints a plain line at every tenth of the
// way instead. The work is that of examples/pool-progress.ts: the primes in each
// of 200 blocks of 5 000 numbers.
import { Effect, Stream } from "effect"
import { NodeMultiprocessing, ProcessPool } from "effect-multiprocessing"

// Runs in a worker: it travels as source, so it uses only its argument.
const primesInBlock = (block: number) => {
  let count = 0
  for (let n = Math.max(2, block * 5000); n < (block + 1) * 5000; n++) {
    let prime = true
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false
        break
      }
    }
    if (prime) count++
  }
  return count
}

/** Draws one progress event: a bar redrawn in place on a TTY, plain lines otherwise. */
const progressBar = (label: string, stream: NodeJS.WriteStream = process.stdout) => {
  let lastTenth = -1
  return ({ done, total }: ProcessPool.Progress) =>
    Effect.sync(() => {
      const fraction = total === 0 ? 1 : done / total
      const percent = total === 0 ? 100 : Math.floor((done * 100) / total)
      if (stream.isTTY) {
        const counts = `${done}/${total} ${String(percent).padStart(3)}%`
        // One width all the way: room for the longest counts ("200/200 100%"), not the current ones.
        const width = Math.max(10, Math.min(50, (stream.columns || 80) - label.length - `${total}/${total} 100%`.length - 5))
        const filled = Math.round(fraction * width)
        stream.write(`\r${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${counts}`)
        if (done === total) stream.write("\n")
      } else {
        const tenth = total === 0 ? 10 : Math.floor((done * 10) / total)
        if (tenth > lastTenth) {
          lastTenth = tenth
          stream.write(`${label}: ${done}/${total} (${percent}%)\n`)
        }
      }
    })
}

const blocks = Array.from({ length: 200 }, (_, i) => i)

const program = Effect.gen(function*() {
  const pool = yield* ProcessPool.make()
  const draw = progressBar("counting primes")
  yield* pool.mapWithProgress(primesInBlock, blocks, { chunksize: 4 }).pipe(
    Stream.runForEach((event) =>
      event._tag === "Progress"
        ? draw(event)
        : Effect.sync(() => console.log(`${event.results.reduce((a, b) => a + b, 0)} primes below ${blocks.length * 5000}`))
    )
  )
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
