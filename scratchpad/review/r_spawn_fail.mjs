import { Pool, setExecutable } from "effect-multiprocessing/compat"
import { symlinkSync, rmSync } from "node:fs"
const link = "/tmp/review-node-link"
rmSync(link, { force: true }); symlinkSync(process.execPath, link)
setExecutable(link)
const pool = new Pool(1)
await pool.apply(() => 0)
rmSync(link) // the executable goes away (an upgrade, a full disk, EAGAIN from fork …): the next spawn fails once
const t0 = Date.now()
try { await pool.apply(() => process.exit(1)) } catch (e) { console.log("crash:", e._tag) }
symlinkSync(process.execPath, link) // and comes back
const r = pool.applyAsync(() => "served")
try { console.log("next task:", await r.get(3)) } catch (e) { console.log("next task:", e._tag ?? e.name, "- pool has", pool.pids.length, "workers") }
pool.terminate(); await pool.join(); rmSync(link, { force: true })
