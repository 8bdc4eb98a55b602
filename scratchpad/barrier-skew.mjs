// Two children pass a Barrier, the second `delay` ms after the first: how long after the last
// arrival each returns (ms). node scratchpad/barrier-skew.mjs [delayMs] [rounds]
import { Barrier, Process } from "effect-multiprocessing/compat"
const delay = Number(process.argv[2] ?? 30)
const rounds = Number(process.argv[3] ?? 5)
const party = async (barrier, delay) => {
  await new Promise((r) => setTimeout(r, 300 + delay))
  const arrived = performance.timeOrigin + performance.now()
  await barrier.wait()
  return [arrived, performance.timeOrigin + performance.now()]
}
for (let r = 0; r < rounds; r++) {
  const barrier = new Barrier(2)
  const kids = [0, delay].map((d) => new Process({ target: party, args: [barrier, d] }))
  for (const k of kids) k.start()
  const spans = []
  for (const k of kids) { spans.push(await k.result()); await k.join(); k.close() }
  const last = Math.max(...spans.map((s) => s[0]))
  console.log(spans.map(([a, p]) => `arrived ${(a - last).toFixed(2)} passed +${(p - last).toFixed(2)} ms`).join(" | "))
  barrier.close()
}
