// Review probe: owner-side acquire(false) while the borrower's event loop is busy.
import { Lock, Pipe, Process } from "effect-multiprocessing/compat"
const HOLD = process.argv[2] === "hold"
const lock = new Lock()
const [here, there] = await Pipe()
const child = new Process({
  target: async (lock, conn, hold) => {
    for (let i = 0; i < 1050; i++) { await lock.acquire(); await lock.release() }
    let got = "not taken"
    if (hold) got = String(await lock.acquire())
    await conn.send(`child: acquire -> ${got} at ${Date.now() % 100000}; busy 1500 ms`)
    await new Promise((r) => setTimeout(r, 100)); const until = Date.now() + 1500
    while (Date.now() < until);
    if (hold) await lock.release()
    await conn.send(`child: busy over at ${Date.now() % 100000}`)
    await conn.recv()
  },
  args: [lock, there, HOLD]
})
child.start()
there.close()
console.log(await here.recv())
await new Promise((r) => setTimeout(r, 300))
const t = Date.now()
console.log("owner acquire(false) ->", await lock.acquire(false), `after ${Date.now() - t} ms, at ${Date.now() % 100000}`)
console.log(await here.recv())
await here.send("bye")
await child.join()
process.exit(0)
