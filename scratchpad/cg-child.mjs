// The child end of the ping-pong under callgrind (an end handed to it: exact reads), counting only
// its timed round trips: the child runs through a wrapper (setExecutable) that starts it under
// valgrind with instrumentation off; the parent turns it on and off around the timed rounds.
// node scratchpad/cg-child.mjs [N] [WARM] [OUT]
import { execFileSync } from "node:child_process"
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Pipe, Process, setExecutable } from "effect-multiprocessing/compat"
const N = Number(process.argv[2] ?? 5000), WARM = Number(process.argv[3] ?? 10000)
const out = process.argv[4] ?? join(tmpdir(), "cg-child.out")
const dir = mkdtempSync(join(tmpdir(), "cg-child-"))
const wrapper = join(dir, "node")
writeFileSync(wrapper, `#!/bin/sh\nexec valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=${out} ${process.execPath} --no-concurrent-recompilation "$@"\n`)
chmodSync(wrapper, 0o755)
setExecutable(wrapper)
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
const instr = (on) => execFileSync("callgrind_control", ["-i", on, String(child.pid)], { stdio: "ignore" })
instr("on")
await rounds(N)
instr("off")
await here.sendBytes(new Uint8Array(0)); await here.recvBytes()
here.close(); await child.join()
rmSync(dir, { recursive: true, force: true })
console.log("done", N, out)
