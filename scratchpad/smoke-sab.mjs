import { setStartMethod, Lock, Value, Event, Process, Queue } from "effect-multiprocessing/compat"
const idOf = (o) => o[Symbol.for("effect-multiprocessing/compat/Wraps")]?.[Symbol.for("effect-multiprocessing/Primitive")]?.id
if (process.argv[2] !== "served") setStartMethod("thread")
const t0 = performance.now()
const counter = Value("i", 0)
const lock = new Lock()
const ev = new Event()
const q = new Queue()
console.log("ids", idOf(counter), idOf(lock), idOf(ev), idOf(q))
const inc = (counter, ev, q, n) => { return (async () => { await ev.wait(30); for (let i = 0; i < n; i++) counter.withLockSync(() => { counter.value += 1 }); await q.put("done") })() }
const ps = [1,2].map(() => new Process({ target: inc, args: [counter, ev, q, 20000], startMethod: "thread" }))
ps.forEach(p => p.start())
await ev.set()
const t1 = performance.now()
for (let i = 0; i < 20000; i++) counter.withLockSync(() => { counter.value += 1 })
console.log(await q.get(), await q.get(), performance.now() - t1)
for (const p of ps) console.log("exit", await p.join(30))
console.log("value", counter.value, performance.now() - t0)
