import { spawn } from "node:child_process"
const N = 30
const time = async (label, cmd, args) => {
  const ts = []
  for (let i = 0; i < N; i++) {
    const t0 = performance.now()
    await new Promise((res) => spawn(cmd, args, { stdio: "inherit" }).on("exit", res))
    ts.push(performance.now() - t0)
  }
  ts.sort((a, b) => a - b)
  console.log(label, "median", ts[N >> 1].toFixed(2), "min", ts[0].toFixed(2))
}
for (let r = 0; r < 2; r++) {
await time("node -e ''", process.execPath, ["-e", ""])
await time("setpriv node -e ''", "setpriv", ["--pdeathsig", "SIGTERM", process.execPath, "-e", ""])
}
