// One end of the ping-pong under callgrind: the parent of rtt-cpu.mjs, collecting only during the timed
// round trips. valgrind --tool=callgrind --instr-atstart=no node scratchpad/cg-parent.mjs [N]
import { execFileSync } from "node:child_process"
import { Pipe, Process } from "effect-multiprocessing/compat"
const N = Number(process.argv[2] ?? 5000), WARM = Number(process.argv[3] ?? 5000)
const echoTarget = async (conn) => {
  for (;;) {
    const message = await conn.recvBytes()
    await conn.sendBytes(message)
    if (message.length === 0) return
  }
}
const [here, there] = await Pipe()
const child = new Process({ target: echoTarget, args: [there] })
child.start(); there.close()
const msg = new Uint8Array(16).fill(1)
await here.sendBytes(msg); await here.recvBytes()
const rounds = async (n) => { for (let i = 0; i < n; i++) { await here.sendBytes(msg); await here.recvBytes() } }
await rounds(WARM)
const instr = (on) => { try { execFileSync("callgrind_control", ["-i", on, String(process.pid)], { stdio: "ignore" }) } catch {} }
await rounds(100) // after the execFileSync above, the loop's own code again
console.log("MEASURE START"); instr("on")
await rounds(N)
instr("off"); console.log("MEASURE END")
await here.sendBytes(new Uint8Array(0)); await here.recvBytes()
here.close(); await child.join()
console.log("done", N)
