/**
 * The queue rows' own measure (bench/run.js), in whichever backend this process has: the shared
 * ring where the addon is loaded, served with EFFECT_MULTIPROCESSING_NATIVE=0. Run as a program
 * (`node bench/queue.js joinable producers consumers n warm timeoutS`), it prints items/s as JSON:
 * run.js runs it so for the `ours_served` figures beside the ring's.
 */
import { Event, JoinableQueue, Process, Queue } from "effect-multiprocessing/compat"

// Every child first puts and gets `warm` items of the same shape through the queue (untimed, as
// the pipe rows warm up before they time): a fresh Node process runs its first thousands of puts
// and gets while V8 still compiles them, at about twice the steady cost. (Written out in each
// target: inline targets carry no free variables.)
const queueProducer = async (q, start, done, n, k, joinable, warm) => {
  await start.isSet()
  for (let i = 0; i < warm; i++) await q.put({ id: -1, producer: -1 })
  for (let i = 0; i < warm; i++) {
    await q.get()
    if (joinable) await q.taskDone()
  }
  if (joinable) await q.join() // nothing outstanding once every producer has warmed up: returns at once
  await done.put("ready")
  await start.wait()
  for (let i = 0; i < n; i++) await q.put({ id: i, producer: k })
  if (joinable) {
    await q.join()
    await done.put("joined")
  }
}

const queueConsumer = async (q, start, done, n, joinable, warm) => {
  for (let i = 0; i < warm; i++) await q.put({ id: -1, producer: -1 })
  for (let i = 0; i < warm; i++) {
    await q.get()
    if (joinable) await q.taskDone()
  }
  await done.put("ready")
  await start.wait()
  let sum = 0
  for (let i = 0; i < n; i++) {
    sum += (await q.get()).id
    if (joinable) await q.taskDone()
  }
  await done.put(sum)
}

// Items per second: `producers` × n items over the parent's elapsed from start.set() to the last report.
export const queueThroughput = async (joinable, producers, consumers, n, warm, timeoutS) => {
  const q = joinable ? new JoinableQueue() : new Queue()
  const done = new Queue()
  const start = new Event()
  const started = []
  const startAll = (target, count, args) => {
    for (let k = 0; k < count; k++) {
      const child = new Process({ target, args: args(k) })
      child.start()
      started.push(child)
    }
  }
  try {
    startAll(queueConsumer, consumers, () => [q, start, done, (n * producers) / consumers, joinable, warm])
    for (let i = 0; i < consumers; i++) await done.get(true, timeoutS) // their warm-up items are gone before producers start
    startAll(queueProducer, producers, (k) => [q, start, done, n, k, joinable, warm])
    for (let i = 0; i < producers; i++) await done.get(true, timeoutS)
    const reports = consumers + (joinable ? producers : 0)
    let sum = 0
    const t0 = performance.now()
    await start.set()
    for (let i = 0; i < reports; i++) {
      const report = await done.get(true, timeoutS)
      if (report !== "joined") sum += report
    }
    const t1 = performance.now()
    for (const child of started) {
      const code = await child.join()
      if (code !== 0) throw new Error(`ours: queue child exited with ${code}`)
    }
    const expected = (producers * n * (n - 1)) / 2
    if (sum !== expected) throw new Error(`ours: lost or duplicated items: sum of ids ${sum} != ${expected}`)
    return (producers * n) / ((t1 - t0) / 1000)
  } finally {
    for (const child of started) {
      if (child.isAlive()) {
        child.terminate()
        await child.join()
      }
      child.close()
    }
    q.dispose()
    done.dispose()
    start.close()
  }
}


if (import.meta.url === `file://${process.argv[1]}`) {
  const [joinable, producers, consumers, n, warm, timeoutS] = process.argv.slice(2)
  const itemsPerS = await queueThroughput(joinable === "true", Number(producers), Number(consumers), Number(n), Number(warm), Number(timeoutS))
  process.stdout.write(JSON.stringify(itemsPerS))
}
