// CPU of the whole process per start+join: a bare worker, a worker loading the bootstrap file without running it, a thread child.
import { Worker } from "node:worker_threads"
import { Process } from "effect-multiprocessing/compat"
const N = Number(process.argv[2] ?? 30)
const med = (a) => a.sort((x, y) => x - y)[a.length >> 1]
const cpu = async (f) => { const c0 = process.cpuUsage(); const t0 = performance.now(); await f(); const c = process.cpuUsage(c0); return [(c.user + c.system) / 1000, performance.now() - t0] }
const bare = (file = "", opts = { eval: true }) => new Promise((res, rej) => { const w = new Worker(file, opts); w.once("error", rej); w.once("exit", res) })
import fs from "node:fs"
import os from "node:os"
// The bootstrap's text, parsed but not run: what loading the file costs a worker.
const noop = `${os.tmpdir()}/boot-noop-${process.pid}.cjs`
fs.writeFileSync(noop, `if (globalThis.__never) {\n${fs.readFileSync(new URL("../dist/internal/child/bootstrap.cjs", import.meta.url), "utf8")}\n}`)
process.on("exit", () => fs.rmSync(noop, { force: true }))
const ours = async () => { const p = new Process({ target: () => {}, startMethod: "thread" }); p.start(); await p.join(); p.close() }
const variants = { bare: () => bare(), bootFileNoop: () => bare(noop, {}), ours }
for (const f of Object.values(variants)) for (let i = 0; i < 5; i++) await f()
const res = Object.fromEntries(Object.keys(variants).map((k) => [k, { cpu: [], wall: [] }]))
for (let i = 0; i < N; i++) for (const [k, f] of Object.entries(variants)) { const [c, w] = await cpu(f); res[k].cpu.push(c); res[k].wall.push(w) }
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(12), "cpu", med(v.cpu).toFixed(1), "wall", med(v.wall).toFixed(1))
