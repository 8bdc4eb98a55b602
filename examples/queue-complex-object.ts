// An object sent through a Queue to a worker process (the multiprocess
// package's "complex object" example), ported to the compat face:
//
//   from multiprocess import Process, Queue
//   class ComplexObject:  # Complex object that requires dill serialization
//       def __init__(self, func):
//           self.func = func
//           self.data = [1, 2, 3, 4, 5]
//       def process(self):
//           return [self.func(x) for x in self.data]
//   def worker(q):
//       while True:
//           obj = q.get()
//           if obj is None:
//               break
//           result = obj.process()
//           print(f"Worker result: {result}")
//   complex_obj = ComplexObject(lambda x: x ** 2)  # lambda: requires dill
//   queue = Queue()
//   p = Process(target=worker, args=(queue,))
//   p.start()
//   queue.put(complex_obj)  # automatically serialized with dill
//   queue.put(None)  # Signal completion
//   p.join()
//
// dill pickles the lambda and the class; here a queue item is data only: a
// function or a class's methods do not travel (Process targets do, as source,
// but queue items are not targets). Data travels whole, though — nested
// objects, arrays, Maps, Sets, Dates, BigInts, typed arrays — so the object
// carries what the lambda did (the exponent) and the worker does the work.
import { Process, Queue } from "effect-multiprocessing/compat"

/** What ComplexObject(lambda x: x ** 2) carries, as data: the lambda's exponent, and the items. */
interface ComplexObject {
  readonly exponent: number
  readonly data: ReadonlyArray<number>
}

async function worker(q: Queue<ComplexObject | null>) {
  const processObject = (obj: ComplexObject) => obj.data.map((x) => x ** obj.exponent)
  while (true) {
    const obj = await q.get()
    if (obj === null) break
    const result = processObject(obj)
    console.log("Worker result:", result)
  }
}

const complexObj: ComplexObject = { exponent: 2, data: [1, 2, 3, 4, 5] } // ComplexObject(lambda x: x ** 2)
const queue = new Queue<ComplexObject | null>()
const p = new Process({ target: worker, args: [queue] })
p.start()
await queue.put(complexObj)
await queue.put(null) // Signal completion
await p.join()
