import * as compat from "effect-multiprocessing/compat"
const mb = Number(process.argv[2] ?? 50)
const q = new compat.Queue()
const child = new compat.Process({
  target: async (q, mb) => {
    const item = new Uint8Array(mb * 1024 * 1024).fill(7)
    const t = performance.now()
    await q.put(item)
    q.close(); await q.joinThread()
    return performance.now() - t
  }, args: [q, mb] })
child.start()
const t0 = performance.now()
const got = await q.get()
const t1 = performance.now()
const putMs = await child.result()
await child.join(); child.close(); q.dispose()
console.log(`${mb} MiB: got ${got.byteLength} bytes; child's put+joinThread ${putMs.toFixed(0)} ms; parent get (incl. child start) ${(t1 - t0).toFixed(0)} ms`)
