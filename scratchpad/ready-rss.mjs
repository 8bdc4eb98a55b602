import * as fs from "node:fs"
import { Pipe, Process, setStartMethod } from "effect-multiprocessing/compat"
setStartMethod("forkserver", { readyProcesses: 1 })
const [a, b] = await Pipe()
const p = new Process({ target: async (c) => { await c.recv() }, args: [b] })
p.start(); b.close(); await a.send(1); await p.join(); a.close()
await new Promise((r) => setTimeout(r, 4000))
for (const pid of fs.readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
  try {
    const st = fs.readFileSync(`/proc/${pid}/stat`, "utf8"); if (Number(st.slice(st.lastIndexOf(")") + 2).split(" ")[1]) !== process.pid) continue
    console.log(pid, fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").slice(0, 60), /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))[1], "kB")
  } catch {}
}
setStartMethod("spawn", { force: true })
