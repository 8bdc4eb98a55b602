// Does work done after a write (before going back to sleep) cost the peer? Raw sockets,
// the child echoes and then spins for BUSY µs either before or after its write.
import { Pipe, Process } from "effect-multiprocessing/compat"
const N = 3000
const echo = async (conn, count, busy, where) => {
  const sock = conn[Symbol.for("effect-multiprocessing/compat/Connection")].osSocket
  const spin = () => { const end = performance.now() + busy / 1000; while (performance.now() < end); }
  await new Promise((resolve) => {
    let seen = 0
    sock.on("data", (chunk) => {
      if (where === "before") spin()
      sock.write(chunk)
      if (where === "after") spin()
      if (++seen >= count) resolve()
    })
  })
}
const KEY = Symbol.for("effect-multiprocessing/compat/Connection")
for (const busy of [0, 20, 50]) for (const where of ["before", "after"]) {
  const [here, there] = await Pipe()
  const child = new Process({ target: echo, args: [there, N, busy, where] })
  child.start(); there.close()
  const sock = here[KEY].osSocket
  let wake; sock.on("data", () => wake())
  const frame = Buffer.alloc(20); frame.writeInt32BE(16)
  const rtts = []
  for (let i = 0; i < N; i++) { const t0 = performance.now(); await new Promise((r) => { wake = r; sock.write(frame) }); rtts.push((performance.now() - t0) * 1000) }
  rtts.sort((a, b) => a - b)
  console.log(`busy ${busy}us ${where} write: rtt ${rtts[N >> 1].toFixed(1)}`)
  here.close(); await child.join(); child.close()
}
