// What a failing readSync (EAGAIN) costs, with and without stack traces.
import * as fs from "node:fs"
import net from "node:net"
import { Pipe } from "effect-multiprocessing/compat"
const [a, b] = await Pipe()
const fd = b[Symbol.for("effect-multiprocessing/compat/Connection")].osSocket._handle.fd
const buf = Buffer.alloc(65536)
for (const limit of [10, 0, 10, 0]) {
  const saved = Error.stackTraceLimit
  Error.stackTraceLimit = limit
  const N = 20000, t0 = performance.now()
  for (let i = 0; i < N; i++) { try { fs.readSync(fd, buf, 0, buf.length, null) } catch (e) { if (e.code !== "EAGAIN") throw e } }
  Error.stackTraceLimit = saved
  console.log(`stackTraceLimit ${limit}: ${((performance.now() - t0) * 1000 / N).toFixed(2)} us per EAGAIN`)
}
a.close(); b.close()
