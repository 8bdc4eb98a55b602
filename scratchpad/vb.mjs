import { Barrier, Process, Value } from "effect-multiprocessing/compat"
const incrementTarget = async (value, warmupMs, n, barrier) => {
  const warmUntil = performance.now() + warmupMs
  for (let i = 0; i < 3000 || performance.now() < warmUntil; i++) await value.withLock(async () => value.set(await value.get()))
  await barrier.wait()
  const start = performance.timeOrigin + performance.now()
  for (let i = 0; i < n; i++) await value.withLock(async () => value.set((await value.get()) + 1))
  return [start, performance.timeOrigin + performance.now()]
}
const value = Value("i", 0)
const barrier = new Barrier(2)
const children = [0, 1].map(() => new Process({ target: incrementTarget, args: [value, 500, 2000, barrier] }))
for (const child of children) child.start()
const spans = []
for (const child of children) {
  console.log("waiting result")
  spans.push(await child.result())
  console.log("got", spans.at(-1))
  await child.join()
  child.close()
}
console.log(await value.get())
const elapsed = Math.max(...spans.map(([, end]) => end)) - Math.min(...spans.map(([start]) => start))
console.log((elapsed * 1000) / 4000)
value.close(); barrier.close()
