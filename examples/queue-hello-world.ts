// The first example of the multiprocess README (dill's fork of
// multiprocessing), ported to the compat face:
//
//   from multiprocess import Process, Queue
//   def f(q):
//       q.put('hello world')
//   if __name__ == '__main__':
//       q = Queue()
//       p = Process(target=f, args=[q])
//       p.start()
//       print (q.get())
//       p.join()
import { Process, Queue } from "effect-multiprocessing/compat"

async function f(q: Queue<string>) {
  await q.put("hello world")
}

const q = new Queue<string>()
const p = new Process({ target: f, args: [q] })
p.start()
console.log(await q.get())
await p.join()
