import { Pool } from "effect-multiprocessing/compat"
import { rmSync, readFileSync } from "node:fs"
rmSync("/tmp/review_runs", { force: true }); rmSync("/tmp/review_runs_fast", { force: true })
const pool = new Pool(1)
await pool.apply(() => 0)
await pool.map((x) => x, Array.from({ length: 2000 }, (_, i) => i), { chunksize: 1 }) // a fast pace: a wide window
// 1) crash attribution: the worker gets [fast, dying] in one frame after a 50 ms task
const slow = pool.applyAsync(() => new Promise((r) => setTimeout(() => r("slow ok"), 50)))
const fast = pool.applyAsync(() => { require("node:fs").appendFileSync("/tmp/review_runs_fast", "f"); return "fast ok" })
const dying = pool.applyAsync(() => { require("node:fs").appendFileSync("/tmp/review_runs", "x"); process.exit(3) })
await dying.wait(); await fast.wait()
console.log("crash: slow (async, 50 ms, finished before the crash) =", await slow.get().catch((e) => e._tag), "| fast ran", readFileSync("/tmp/review_runs_fast", "utf8").length, "times;", fast.successful() ? "ok" : "FAILED", "| dying ran", readFileSync("/tmp/review_runs", "utf8").length, "times")
// 2) hang: [fast (no limit), loop (limit 300 ms)]
pool.applyAsync(() => new Promise((r) => setTimeout(r, 50)))
const a = pool.applyAsync(() => "fast ok")
const b = pool.applyAsync(() => { for (;;); }, [], { timeout: 0.3 })
const t0 = Date.now()
await b.wait(5)
console.log("loop with 300 ms limit:", b.ready() ? `settled after ${Date.now() - t0} ms` : "STILL RUNNING after 5 s", "| fast ready:", a.ready())
pool.terminate(); await pool.join()
