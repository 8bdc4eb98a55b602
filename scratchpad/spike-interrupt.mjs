import { Effect, Fiber, Redacted } from "effect"
import * as fs from "node:fs"
import { ClusterPool } from "../dist/cluster.js"
import { NodeMultiprocessing, ProcessPool } from "../dist/index.js"
const alive = (pid) => { try { process.kill(pid, 0); return true } catch { return false } }
import { Target } from "../dist/index.js"
const fn2 = Target.moduleExport(new URL("../test/fixtures/clusterTasks.mjs", import.meta.url), "waitForWithdrawal")
const fn = async (file) => { const fs = await import("node:fs"); fs.writeFileSync(file, String(process.pid)); await new Promise((r) => setTimeout(r, 600000)) }
const check = (label, pool, file) => Effect.gen(function*() {
  try { fs.unlinkSync(file) } catch {}
  const fiber = yield* Effect.fork(pool.apply(fn2, [file]))
  while (!fs.existsSync(file) || fs.readFileSync(file, "utf8") === "") yield* Effect.sleep(50)
  const pid = Number(fs.readFileSync(file, "utf8"))
  const t = Date.now()
  yield* Fiber.interrupt(fiber)
  console.log(label, "interrupted after", Date.now() - t, "ms")
  for (let i = 0; i < 100 && fs.readFileSync(file, "utf8") !== "withdrawn"; i++) yield* Effect.sleep(100)
  console.log(label, "file:", fs.readFileSync(file, "utf8"), Date.now() - t)
})
const prog = Effect.scoped(Effect.gen(function*() {
  const local = yield* ProcessPool.make({ processes: 1 })
  yield* check("local", local, "/tmp/c22spike/m1")
  if (process.argv[2] === "cluster") {
    const pool = yield* ClusterPool.make({ store: "file:/tmp/c22spike/c.db", secret: Redacted.make("s"), minRunners: 3 })
    yield* check("cluster", pool, "/tmp/c22spike/m2")
  }
})).pipe(Effect.provide(NodeMultiprocessing.layer))
Effect.runPromise(prog).then(() => process.exit(0), (e) => { console.error("FAIL", e); process.exit(1) })
