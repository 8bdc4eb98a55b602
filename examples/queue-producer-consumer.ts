// A producer and a consumer process sharing a Queue, ending with a None
// sentinel (the multiprocess package's Queue example), ported to the compat face:
//
//   from multiprocess import Process, Queue
//   def producer(q, items):
//       for item in items:
//           print(f"Producing {item}")
//           q.put(item)
//       q.put(None)  # Signal completion
//   def consumer(q):
//       while True:
//           item = q.get()
//           if item is None:
//               break
//           print(f"Consuming {item}")
//   queue = Queue()
//   items_to_produce = ['item1', 'item2', 'item3', 'item4']
//   prod = Process(target=producer, args=(queue, items_to_produce))
//   cons = Process(target=consumer, args=(queue,))
//   prod.start()
//   cons.start()
//   prod.join()
//   cons.join()
import { Process, Queue } from "effect-multiprocessing/compat"

async function producer(q: Queue<string | null>, items: ReadonlyArray<string>) {
  for (const item of items) {
    console.log(`Producing ${item}`)
    await q.put(item)
  }
  await q.put(null) // Signal completion
}

async function consumer(q: Queue<string | null>) {
  while (true) {
    const item = await q.get()
    if (item === null) break
    console.log(`Consuming ${item}`)
  }
}

const queue = new Queue<string | null>()
const itemsToProduce = ["item1", "item2", "item3", "item4"]
const prod = new Process({ target: producer, args: [queue, itemsToProduce] })
const cons = new Process({ target: consumer, args: [queue] })
prod.start()
cons.start()
await prod.join()
await cons.join()
