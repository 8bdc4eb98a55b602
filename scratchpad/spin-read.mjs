// Ping-pong where the parent, after writing, polls the socket with readSync for a while
// instead of going back to epoll at once. Child: raw echo.
import * as fs from "node:fs"
import { Pipe, Process } from "effect-multiprocessing/compat"
const N = 3000
const KEY = Symbol.for("effect-multiprocessing/compat/Connection")
const echo = async (conn, count) => {
  const sock = conn[Symbol.for("effect-multiprocessing/compat/Connection")].osSocket
  await new Promise((resolve) => { let seen = 0; sock.on("data", (chunk) => { sock.write(chunk); if (++seen >= count) resolve() }) })
}
for (const spinUs of [0, 30, 100, 0, 30, 100]) {
  const [here, there] = await Pipe()
  const child = new Process({ target: echo, args: [there, N] })
  child.start(); there.close()
  const sock = here[KEY].osSocket
  const fd = sock._handle.fd
  let wake; sock.on("data", () => wake())
  const frame = Buffer.alloc(20); frame.writeInt32BE(16)
  const buf = Buffer.alloc(64 * 1024)
  const rtts = []; let spun = 0
  for (let i = 0; i < N; i++) {
    const t0 = performance.now()
    sock.write(frame)
    let got = false
    const end = t0 + spinUs / 1000
    while (spinUs > 0 && performance.now() < end) {
      try { if (fs.readSync(fd, buf) > 0) { got = true; spun++; break } } catch (e) { if (e.code !== "EAGAIN") throw e }
    }
    if (!got) await new Promise((r) => { wake = r })
    rtts.push((performance.now() - t0) * 1000)
  }
  rtts.sort((a, b) => a - b)
  console.log(`spin ${spinUs}us: rtt ${rtts[N >> 1].toFixed(1)} (answered while spinning: ${spun})`)
  here.close(); await child.join(); child.close()
}
