import { Process, setStartMethod } from "effect-multiprocessing/compat"
const method = process.argv[2]
setStartMethod(method)
const times = []
for (let i = 0; i < 20; i++) {
  const t0 = performance.now()
  const p = new Process({ target: () => process.pid })
  p.start()
  const pid = await p.result()
  times.push(performance.now() - t0)
}
times.sort((a, b) => a - b)
console.log(method, "median ms", times[10].toFixed(1), "min", times[0].toFixed(1))
