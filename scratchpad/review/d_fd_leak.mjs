import { Pool } from "effect-multiprocessing/compat"
const pool = new Pool(1)
await pool.apply(() => 0)
const t0 = Date.now()
try {
  await pool.apply(() => {
    const cp = require("node:child_process")
    cp.spawn("sleep", ["4"], { stdio: "ignore", detached: true }).unref()
    process.exit(2)
  })
} catch (e) { console.log("failed after", Date.now() - t0, "ms with", e._tag, e.exitCode) }
pool.terminate(); await pool.join()
console.log("joined after", Date.now() - t0, "ms")
