// One big item through a Queue: a child puts a Buffer of N MiB, the process that made the queue
// gets it. Ours (compat Queue, served by this process) beside Python's multiprocessing.Queue doing
// the same, in one run; MB/s = MiB × 1.048576 / (time from the child's put until the get returned), median of
// the rounds. `node bench/queue-big-item.js 100 600` (sizes in MiB; rounds with --rounds=N).
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Process, Queue } from "effect-multiprocessing/compat"

const sizes = process.argv.slice(2).filter((arg) => !arg.startsWith("--")).map(Number)
const rounds = Number(process.argv.find((arg) => arg.startsWith("--rounds="))?.slice(9) ?? 3)
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const ours = async (mib) => {
  const q = new Queue()
  const ready = new Queue()
  const child = new Process({
    target: async (q, ready, bytes) => {
      const item = Buffer.alloc(bytes, 7)
      await ready.put("ready")
      await ready.get() // go
      await ready.put(performance.timeOrigin + performance.now())
      await q.put(item)
    },
    args: [q, ready, mib * 1024 * 1024]
  })
  child.start()
  await ready.get()
  await ready.put("go")
  const started = await ready.get()
  const item = await q.get()
  const seconds = (performance.timeOrigin + performance.now() - started) / 1000
  if (item.length !== mib * 1024 * 1024 || item[0] !== 7 || item[item.length - 1] !== 7) throw new Error("wrong item")
  await child.join()
  child.close()
  q.dispose()
  ready.dispose()
  return mib * 1.048576 / seconds
}

const python = (mib) => {
  const script = fileURLToPath(new URL("./python/big_item.py", import.meta.url))
  const run = spawnSync("python3", [script, String(mib * 1024 * 1024)], { encoding: "utf8" })
  if (run.status !== 0) throw new Error(run.stderr)
  return Number(run.stdout.trim())
}

// Each of our rounds in a fresh process, as Python's are (a second round in the same process did not finish).
const one = process.argv.find((arg) => arg.startsWith("--one="))
const oursFresh = (mib) => {
  const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), `--one=${mib}`], { encoding: "utf8", timeout: 600_000 })
  if (run.status !== 0) throw new Error(run.stderr)
  return Number(run.stdout.trim())
}

if (one !== undefined) {
  console.log(await ours(Number(one.slice(6))))
  process.exit(0)
}
for (const mib of sizes) {
  const figures = { ours: [], python: [] }
  for (let round = 0; round < rounds; round++) {
    figures.ours.push(oursFresh(mib))
    figures.python.push(python(mib))
  }
  console.log(
    `queue_big_item_mb_per_s ${mib} MiB: ours ${median(figures.ours).toFixed(1)}, python ${median(figures.python).toFixed(1)}` +
      ` (rounds: ours ${figures.ours.map((x) => x.toFixed(1)).join(" ")}; python ${figures.python.map((x) => x.toFixed(1)).join(" ")})`
  )
}
