// The Condition lines of the multiprocess README (dill's fork of
// multiprocessing), ported to the compat face:
//
//   >>> from multiprocess import Condition
//   >>> c = Condition()
//   >>> print (c)
//   <Condition(<RLock(None, 0)>), 0>
//   >>> c.acquire()
//   True
//   >>> print (c)
//   <Condition(<RLock(MainProcess, 1)>), 0>
//
// A Condition here does not print its lock's owner and count as Python's does,
// so the port shows acquire's answer; then what a Condition is for, across
// processes: this process waits on it until a child has set a shared flag and
// notified it.
import { Condition, Process, type SharedValue, Value } from "effect-multiprocessing/compat"

const c = new Condition()
console.log(await c.acquire()) // true
await c.release()

async function setter(c: Condition, flag: SharedValue<"i">) {
  await c.withLock(async () => {
    await flag.set(1)
    await c.notifyAll()
  })
}

const flag = Value("i", 0)
const p = new Process({ target: setter, args: [c, flag] })
p.start()
await c.withLock(async () => {
  // waitFor releases the lock while it waits, and holds it again to check the flag.
  await c.waitFor(async () => (await flag.get()) === 1)
  console.log(`notified: the flag is ${await flag.get()}`)
})
await p.join()
console.log(`child exit code ${p.exitCode}`)
c.close()
