import { Empty } from "effect-multiprocessing/compat"
import * as E from "effect-multiprocessing"
console.log("stackTraceLimit", Error.stackTraceLimit)
const N = 20000
for (const [name, mk] of [["compat Empty", () => new Empty()], ["Error", () => new Error("x")], ["Effect Errors.Empty", () => new E.Errors.Empty({})]]) {
  for (let r = 0; r < 2; r++) { const t = performance.now(); for (let i = 0; i < N; i++) mk(); console.log(name, ((performance.now() - t) * 1000 / N).toFixed(2), "us") }
}
