import { Pipe, Process } from "effect-multiprocessing/compat"
const target = async (conn, kind, n) => {
  const bytes = new Uint8Array(1024).fill(7)
  const go = async (count) => {
    for (let i = 0; i < count; i++) {
      if (kind === "bytes") await conn.sendBytes(bytes)
      else await conn.send({ id: i, name: "task", tags: ["a", "b"], ok: true, score: 3.14 })
    }
  }
  await go(100000)
  await conn.recv()
  const t0 = performance.now()
  await go(n)
  const t1 = performance.now()
  await conn.send(n / ((t1 - t0) / 1000))
  await conn.recv()
}
for (const kind of (process.env.KINDS ?? "objects,bytes").split(",")) {
  const [here, there] = await Pipe()
  const child = new Process({ target, args: [there, kind, 100000] })
  child.start(); there.close()
  const recv = kind === "bytes" ? () => here.recvBytes() : () => here.recv()
  for (let i = 0; i < 100000; i++) await recv()
  await here.send("go")
  const t0 = performance.now()
  for (let i = 0; i < 100000; i++) await recv()
  const t1 = performance.now()
  const childRate = await here.recv()
  await here.send("end")
  await child.join(); child.close(); here.close()
  console.log(kind, "child send loop", Math.round(childRate), "/s; parent receive", Math.round(100000 / ((t1 - t0) / 1000)), "/s")
}
