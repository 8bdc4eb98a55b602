// Python's Queue example (the multiprocessing docs, "Exchanging objects
// between processes"), ported to the compat face:
//
//   from multiprocessing import Process, Queue
//   def f(q):
//       q.put([42, None, 'hello'])
//   if __name__ == '__main__':
//       q = Queue()
//       p = Process(target=f, args=(q,))
//       p.start()
//       print(q.get())    # prints "[42, None, 'hello']"
//       p.join()
import { Process, Queue } from "effect-multiprocessing/compat"

async function f(q: Queue<[number, null, string]>) {
  await q.put([42, null, "hello"])
}

const q = new Queue<[number, null, string]>()
const p = new Process({ target: f, args: [q] })
p.start()
console.log(await q.get()) // prints "[ 42, null, 'hello' ]"
await p.join()
