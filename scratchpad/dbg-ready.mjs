import * as fs from "node:fs"
import { Pipe, Process, setStartMethod } from "effect-multiprocessing/compat"
setStartMethod("forkserver", { readyProcesses: 1 })
const [a, b] = await Pipe()
const p = new Process({ target: async (c) => { await c.send(process.pid); await c.recv() }, args: [b] })
p.start(); b.close()
console.log("child", await a.recv())
await a.send(1); await p.join(); a.close()
await new Promise((r) => setTimeout(r, 3000))
for (const pid of fs.readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
  try {
    const st = fs.readFileSync(`/proc/${pid}/stat`, "utf8"); const pp = Number(st.slice(st.lastIndexOf(")") + 2).split(" ")[1])
    if (pp !== process.pid) continue
    console.log(pid, fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").slice(0, 120), fs.readdirSync(`/proc/${pid}/fd`).join(","))
  } catch {}
}
setStartMethod("spawn", { force: true })
