// A consumer process that stops at a None sentinel, then says so (the
// sentinel example of Beazley's Python Essential Reference), ported to the
// compat face:
//
//   import multiprocessing
//   def consumer(input_q):
//       while True:
//           item = input_q.get()
//           if item is None:
//               break
//           # Process item
//           print(item)  # Replace with useful work
//       # Shutdown
//       print("Consumer done")
//   def producer(sequence, output_q):
//       for item in sequence:
//           # Put the item on the queue
//           output_q.put(item)
//   if __name__ == '__main__':
//       q = multiprocessing.Queue()
//       # Launch the consumer process
//       cons_p = multiprocessing.Process(target=consumer, args=(q,))
//       cons_p.start()
//       # Produce items
//       sequence = [1, 2, 3, 4]
//       producer(sequence, q)
//       # Signal completion by putting the sentinel on the queue
//       q.put(None)
//       # Wait for the consumer process to shutdown
//       cons_p.join()
import { Process, Queue } from "effect-multiprocessing/compat"

async function consumer(inputQ: Queue<number | null>) {
  while (true) {
    const item = await inputQ.get()
    if (item === null) break
    // Process item
    console.log(item) // Replace with useful work
  }
  // Shutdown
  console.log("Consumer done")
}

async function producer(sequence: ReadonlyArray<number>, outputQ: Queue<number | null>) {
  for (const item of sequence) {
    // Put the item on the queue
    await outputQ.put(item)
  }
}

const q = new Queue<number | null>()
// Launch the consumer process
const consP = new Process({ target: consumer, args: [q] })
consP.start()
// Produce items
const sequence = [1, 2, 3, 4]
await producer(sequence, q)
// Signal completion by putting the sentinel on the queue
await q.put(null)
// Wait for the consumer process to shutdown
await consP.join()
