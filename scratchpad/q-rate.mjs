import * as compat from "effect-multiprocessing/compat"
const q = new compat.Queue()
const n = 50000
const prod = new compat.Process({ target: async (q, n) => { for (let i = 0; i < n; i++) await q.put({ id: i, producer: 0 }) }, args: [q, n] })
const cons = new compat.Process({ target: async (q, n) => { const t = performance.now(); let s = 0; for (let i = 0; i < n; i++) s += (await q.get()).id; return performance.now() - t }, args: [q, n] })
cons.start(); prod.start()
const ms = await cons.result()
console.log("consumer items/s", Math.round(n / (ms / 1000)), "acks", globalThis.__acks, "offers", globalThis.__offers, "gives", globalThis.__gives, "gets", globalThis.__gets)
await prod.join(); await cons.join(); prod.close(); cons.close(); q.dispose()
