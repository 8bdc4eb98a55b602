import { spawn } from "node:child_process"
import { Worker } from "node:worker_threads"
const N = 30
const time = async (label, args, stdio = "inherit") => {
  const ts = []
  for (let i = 0; i < N; i++) {
    const t0 = performance.now()
    await new Promise((res) => spawn(process.execPath, args, { stdio }).on("exit", res))
    ts.push(performance.now() - t0)
  }
  ts.sort((a, b) => a - b)
  console.log(label, "median", ts[N >> 1].toFixed(2), "min", ts[0].toFixed(2))
}
await time("node -e ''", ["-e", ""])
await time("node file.mjs empty", ["scratchpad/empty.mjs"])
await time("node file.cjs empty", ["scratchpad/empty.cjs"])
await time("node worker.mjs", ["scratchpad/withworker.mjs"])
await time("node -e '' extra pipe", ["-e", ""], ["inherit", "inherit", "inherit", "pipe"])
await time("node import effect", ["-e", "import('effect')"])
await time("node import msgpackr", ["-e", "import('msgpackr')"])
