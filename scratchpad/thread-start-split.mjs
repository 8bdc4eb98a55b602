// Per start+join of a thread child beside a bare worker: CPU of the main thread and of the whole process (medians), ms.
import { Worker } from "node:worker_threads"
import { readFileSync } from "node:fs"
import { Process } from "effect-multiprocessing/compat"
const N = Number(process.argv[2] ?? 30)
const med = (a) => a.sort((x, y) => x - y)[a.length >> 1]
const mainCpu = () => Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8").split(" ")[0]) / 1e6
const measure = async (f) => { const c0 = process.cpuUsage(); const m0 = mainCpu(); await f(); const c = process.cpuUsage(c0); return [(c.user + c.system) / 1000, mainCpu() - m0] }
const bare = () => new Promise((res, rej) => { const w = new Worker("", { eval: true }); w.once("error", rej); w.once("exit", res) })
const ours = async () => { const p = new Process({ target: () => {}, startMethod: "thread" }); p.start(); await p.join(); p.close() }
const variants = { bare, ours }
for (const f of Object.values(variants)) for (let i = 0; i < 5; i++) await f()
const res = Object.fromEntries(Object.keys(variants).map((k) => [k, { all: [], main: [] }]))
for (let i = 0; i < N; i++) for (const [k, f] of Object.entries(variants)) { const [a, m] = await measure(f); res[k].all.push(a); res[k].main.push(m) }
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(6), "process", med(v.all).toFixed(1), "main thread", med(v.main).toFixed(1), "others", (med(v.all) - med(v.main)).toFixed(1))
