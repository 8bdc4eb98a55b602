// value_increment_under_lock_us as bench/sync.js runs it (blocking form), with each child's own span
// beside the elapsed: how much is the start skew, how much the contended increments.
// node scratchpad/vinc-skew.mjs [rounds] [n]
import * as os from "node:os"
import { Barrier, Process, Value } from "effect-multiprocessing/compat"
const rounds = Number(process.argv[2] ?? 5)
const n = Number(process.argv[3] ?? 2000)
const target = async (value, warmupMs, n, barrier) => {
  const increments = (count, by) => {
    for (let i = 0; i < count; i++) value.withLockSync(() => { value.value += by })
  }
  const warmUntil = performance.now() + warmupMs
  for (let i = 0; i < 3000 || performance.now() < warmUntil; i += 100) increments(100, 0)
  await barrier.wait()
  const start = performance.timeOrigin + performance.now()
  const c0 = process.cpuUsage()
  increments(n, 1)
  const end = performance.timeOrigin + performance.now()
  const c = process.cpuUsage(c0)
  return [start, end, (c.user + c.system) / 1000]
}
console.log("load", os.loadavg()[0].toFixed(1))
for (let r = 0; r < rounds; r++) {
  const value = Value("i", 0)
  const barrier = new Barrier(2)
  const children = [0, 1].map(() => new Process({ target, args: [value, 500, n, barrier] }))
  for (const child of children) child.start()
  const spans = []
  for (const child of children) { spans.push(await child.result()); await child.join(); child.close() }
  const t0 = Math.min(...spans.map((s) => s[0])), t1 = Math.max(...spans.map((s) => s[1]))
  console.log(`us/inc ${((t1 - t0) * 1000 / (2 * n)).toFixed(2)} elapsed ${(t1 - t0).toFixed(2)} ms; starts apart ${Math.abs(spans[0][0] - spans[1][0]).toFixed(2)} ms; spans ${spans.map((s) => (s[1] - s[0]).toFixed(2)).join(" ")} ms; cpu ${spans.map((s) => s[2].toFixed(2)).join(" ")} ms; total ${value.value}`)
  value.close(); barrier.close()
}
