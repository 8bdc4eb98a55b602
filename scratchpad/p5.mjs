import { Pool, Queue, Lock, Value } from "effect-multiprocessing/compat"
const q = new Queue()
const v = Value("i", 0)
const pool = new Pool(2, { initializer: (q) => { globalThis.q = q }, initargs: [q] })
await pool.map((x) => globalThis.q.put(x * 2), [1, 2, 3])
const got = []
for (let i = 0; i < 3; i++) got.push(await q.get(true, 5))
console.log("via initargs", got.sort())
await pool.map(async ([v, n]) => { const l = await v.getLock(); await l.acquire(); await v.set((await v.get()) + n); await l.release() }, [[v, 1], [v, 2], [v, 3]], { chunksize: 1 })
console.log("value", await v.get())
pool.close(); await pool.join(); console.log("joined")
