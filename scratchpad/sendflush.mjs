import * as compat from "effect-multiprocessing/compat"
const [here, there] = await compat.Pipe()
const child = new compat.Process({
  target: async (conn) => {
    await conn.send(Date.now())
    const until = Date.now() + 1500
    while (Date.now() < until);
  },
  args: [there]
})
child.start()
there.close()
const sentAt = await here.recv()
console.log("received", Date.now() - sentAt, "ms after the send")
await child.join()
child.close(); here.close()
