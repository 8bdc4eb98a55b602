// Start+join of an empty target against a bare `node -e ""`, alternating one of each so drift hits both.
import { spawn } from "node:child_process"
import { Process } from "effect-multiprocessing/compat"
const floor = () => new Promise((r) => spawn(process.execPath, ["-e", ""], { stdio: "inherit" }).on("exit", r))
const ours = async () => { const p = new Process({ target: () => {} }); p.start(); await p.join() }
const t = { floor: [], ours: [] }
for (let i = 0; i < 120; i++) for (const [k, f] of Object.entries({ floor, ours })) { const t0 = performance.now(); await f(); t[k].push(performance.now() - t0) }
const med = (a) => a.sort((x, y) => x - y)[a.length >> 1]
console.log("floor", med(t.floor).toFixed(1), "ours", med(t.ours).toFixed(1), "ratio", (med(t.ours) / med(t.floor)).toFixed(3))
