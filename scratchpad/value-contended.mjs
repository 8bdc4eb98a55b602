// Two children increment the parent's Value under its lock at once, blocking form; µs per increment.
// node scratchpad/value-contended.mjs [n] [rounds] [form: value|lock]
import { Barrier, Process, Value } from "effect-multiprocessing/compat"
const n = Number(process.argv[2] ?? 200000)
const rounds = Number(process.argv[3] ?? 3)
const form = process.argv[4] ?? "value"
const target = async (value, n, barrier, form) => {
  const lock = await value.getLock()
  const increments = form === "lock"
    ? (count, by) => { for (let i = 0; i < count; i++) { lock.acquireSync(); value.value += by; lock.releaseSync() } }
    : (count, by) => { for (let i = 0; i < count; i++) value.withLockSync(() => { value.value += by }) }
  const warmUntil = performance.now() + 500
  for (let i = 0; i < 3000 || performance.now() < warmUntil; i += 100) increments(100, 0)
  await barrier.wait()
  const start = performance.timeOrigin + performance.now()
  increments(n, 1)
  return [start, performance.timeOrigin + performance.now()]
}
for (let r = 0; r < rounds; r++) {
  const value = Value("i", 0)
  const barrier = new Barrier(2)
  const children = [0, 1].map(() => new Process({ target, args: [value, n, barrier, form] }))
  for (const c of children) c.start()
  const spans = []
  for (const c of children) { spans.push(await c.result()); await c.join(); c.close() }
  const total = await value.get()
  const elapsed = Math.max(...spans.map((s) => s[1])) - Math.min(...spans.map((s) => s[0]))
  const t0 = Math.min(...spans.map((s) => s[0]))
  console.log(spans.map((s) => `[${(s[0] - t0).toFixed(3)}, ${(s[1] - t0).toFixed(3)}] ms`).join(" "))
  console.log(`${(elapsed * 1000 / (2 * n)).toFixed(3)} µs per increment, total ${total} ${total === 2 * n ? "exact" : "LOST"}`)
  value.close(); barrier.close()
}
