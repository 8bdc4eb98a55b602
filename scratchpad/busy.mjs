import * as compat from "effect-multiprocessing/compat"
const lock = new compat.Lock()
const [here, there] = await compat.Pipe()
const child = new compat.Process({
  target: async (lock, conn) => {
    for (let i = 0; i < 50; i++) { await lock.acquire(); await lock.release() }
    await conn.send("lent")
    const until = Date.now() + 2000
    while (Date.now() < until);
    await conn.recv()
  },
  args: [lock, there]
})
child.start()
there.close()
console.log(await here.recv())
await new Promise((r) => setTimeout(r, 300))
const t = Date.now()
const answer = await lock.acquire(false)
console.log(answer, Date.now() - t)
await here.send("done")
await child.join()
child.close(); here.close(); lock.close()
