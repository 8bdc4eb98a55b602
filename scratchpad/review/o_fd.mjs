import { Pool } from "effect-multiprocessing/compat"
import { readdirSync, readlinkSync } from "node:fs"
const pool = new Pool(1)
const pid = await pool.apply(() => require("node:child_process").exec("sleep 3").pid)
await new Promise((r) => setTimeout(r, 100))
const fds = readdirSync(`/proc/${pid}/fd`).map((fd) => `${fd}->${readlinkSync(`/proc/${pid}/fd/${fd}`)}`)
console.log("grandchild fds:", fds.join(" "))
const w = pool.pids[0]
console.log("worker fd3:", readlinkSync(`/proc/${w}/fd/3`))
pool.terminate(); await pool.join()
