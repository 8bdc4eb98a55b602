// Two producers and three consumers on one Queue; consumers stop when nothing
// arrives for two seconds (the multiprocess package's multiple producers and
// consumers example), ported to the compat face:
//
//   from multiprocess import Process, Queue
//   import random
//   import time
//   def producer(q, producer_id, num_items):
//       for i in range(num_items):
//           item = f"Producer-{producer_id}-Item-{i}"
//           q.put(item)
//           print(f"Produced: {item}")
//           time.sleep(random.uniform(0.1, 0.5))
//   def consumer(q, consumer_id):
//       while True:
//           try:
//               item = q.get(timeout=2)
//               print(f"Consumer-{consumer_id} consumed: {item}")
//               time.sleep(random.uniform(0.2, 0.8))
//           except:
//               print(f"Consumer-{consumer_id} timed out, exiting")
//               break
//   queue = Queue()
//   producers = []
//   for i in range(2):
//       p = Process(target=producer, args=(queue, i, 5))
//       p.start()
//       producers.append(p)
//   consumers = []
//   for i in range(3):
//       p = Process(target=consumer, args=(queue, i))
//       p.start()
//       consumers.append(p)
//   for p in producers:
//       p.join()
//   for p in consumers:  # they will time out
//       p.join()
//
// The bare `except:` becomes a catch of `Empty` (what a get that times out
// throws); anything else is rethrown.
import { Process, Queue } from "effect-multiprocessing/compat"

async function producer(q: Queue<string>, producerId: number, numItems: number) {
  for (let i = 0; i < numItems; i++) {
    const item = `Producer-${producerId}-Item-${i}`
    await q.put(item)
    console.log(`Produced: ${item}`)
    await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 400))
  }
}

async function consumer(q: Queue<string>, consumerId: number) {
  const { Empty } = await import("effect-multiprocessing/compat")
  while (true) {
    try {
      const item = await q.get({ timeout: 2 })
      console.log(`Consumer-${consumerId} consumed: ${item}`)
      await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 600))
    } catch (error) {
      if (!(error instanceof Empty)) throw error
      console.log(`Consumer-${consumerId} timed out, exiting`)
      break
    }
  }
}

const queue = new Queue<string>()
const producers: Array<Process<void>> = []
for (let i = 0; i < 2; i++) {
  const p = new Process({ target: producer, args: [queue, i, 5] })
  p.start()
  producers.push(p)
}
const consumers: Array<Process<void>> = []
for (let i = 0; i < 3; i++) {
  const p = new Process({ target: consumer, args: [queue, i] })
  p.start()
  consumers.push(p)
}
for (const p of producers) await p.join()
for (const p of consumers) await p.join() // they will time out
