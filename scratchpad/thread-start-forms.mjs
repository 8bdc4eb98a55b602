// CPU of the whole process per start+join of bare workers in several forms: what a worker's main costs by its form.
import { Worker } from "node:worker_threads"
import fs from "node:fs"
import os from "node:os"
const N = Number(process.argv[2] ?? 20)
const med = (a) => a.sort((x, y) => x - y)[a.length >> 1]
const cpu = async (f) => { const c0 = process.cpuUsage(); const t0 = performance.now(); await f(); const c = process.cpuUsage(c0); return [(c.user + c.system) / 1000, performance.now() - t0] }
const run = (file, opts) => new Promise((res, rej) => { const w = new Worker(file, opts); w.once("error", rej); w.once("exit", res) })
const boot = fs.readFileSync(new URL("../dist/internal/child/bootstrap.cjs", import.meta.url), "utf8")
const noop = `${os.tmpdir()}/boot-noop-${process.pid}.cjs`
const empty = `${os.tmpdir()}/boot-empty-${process.pid}.cjs`
fs.writeFileSync(noop, `if (globalThis.__never) {\n${boot}\n}`)
fs.writeFileSync(empty, ``)
process.on("exit", () => { fs.rmSync(noop, { force: true }); fs.rmSync(empty, { force: true }) })
const variants = {
  bareEval: () => run("", { eval: true }),
  emptyFile: () => run(empty, {}),
  noopFile: () => run(noop, {}),
  evalNoopText: () => run(`if (globalThis.__never) {\n${boot}\n}`, { eval: true }),
  evalRequireNoop: () => run(`require(${JSON.stringify(noop)})`, { eval: true }),
  evalWithOpts: () => run("", { eval: true, execArgv: [], resourceLimits: {}, workerData: { a: new Uint8Array(300) } }),
  url: () => run(`require("node:url")`, { eval: true }),
  module: () => run(`require("node:module")`, { eval: true }),
  os: () => run(`require("node:os")`, { eval: true }),
}
for (const f of Object.values(variants)) for (let i = 0; i < 3; i++) await f()
const res = Object.fromEntries(Object.keys(variants).map((k) => [k, { cpu: [], wall: [] }]))
for (let i = 0; i < N; i++) for (const [k, f] of Object.entries(variants)) { const [c, w] = await cpu(f); res[k].cpu.push(c); res[k].wall.push(w) }
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(16), "cpu", med(v.cpu).toFixed(1), "wall", med(v.wall).toFixed(1))
