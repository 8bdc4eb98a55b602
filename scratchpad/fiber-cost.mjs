// Cost of one wait that goes through a fiber on the compat runtime, against a plain Promise (both woken by setImmediate).
import { Effect } from "effect"
import { ManagedRuntime, Layer } from "effect"
const rt = ManagedRuntime.make(Layer.empty)
const N = 100000
const wait = Effect.async((resume) => { setImmediate(() => resume(Effect.void)) })
for (let k = 0; k < 3; k++) {
  let t0 = performance.now(), c0 = process.cpuUsage()
  for (let i = 0; i < N; i++) await rt.runPromiseExit(wait)
  let c = process.cpuUsage(c0)
  console.log("fiber  ", ((performance.now() - t0) * 1000 / N).toFixed(2), "µs wall", ((c.user + c.system) / N).toFixed(2), "cpu")
  t0 = performance.now(); c0 = process.cpuUsage()
  for (let i = 0; i < N; i++) await new Promise((r) => setImmediate(r))
  c = process.cpuUsage(c0)
  console.log("promise", ((performance.now() - t0) * 1000 / N).toFixed(2), "µs wall", ((c.user + c.system) / N).toFixed(2), "cpu")
}
