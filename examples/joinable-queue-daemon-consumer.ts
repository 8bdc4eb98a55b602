// A consumer process that runs forever, marking each item done, and a
// producer in the main process that waits until all its items are processed
// (the JoinableQueue example of Beazley's Python Essential Reference), ported
// to the compat face:
//
//   import multiprocessing
//   def consumer(input_q):
//       while True:
//           item = input_q.get()
//           # Process item
//           print(item)  # Replace with useful work
//           # Signal task completion
//           input_q.task_done()
//   def producer(sequence, output_q):
//       for item in sequence:
//           # Put the item on the queue
//           output_q.put(item)
//   if __name__ == '__main__':
//       q = multiprocessing.JoinableQueue()
//       # Launch the consumer process
//       cons_p = multiprocessing.Process(target=consumer, args=(q,))
//       cons_p.daemon = True
//       cons_p.start()
//       # Produce items. sequence represents a sequence of items to
//       # be sent to the consumer.
//       sequence = [1, 2, 3, 4]
//       producer(sequence, q)
//       # Wait for all items to be processed
//       q.join()
//
// The consumer is a daemon: it never returns, and the script ends anyway,
// terminating it, once join() says every item is done. As Python's blocked
// join() does, a pending join() keeps the main process alive even though its
// only child is a daemon.
import { JoinableQueue, Process } from "effect-multiprocessing/compat"

async function consumer(inputQ: JoinableQueue<number>) {
  while (true) {
    const item = await inputQ.get()
    // Process item
    console.log(item) // Replace with useful work
    // Signal task completion
    await inputQ.taskDone()
  }
}

async function producer(sequence: ReadonlyArray<number>, outputQ: JoinableQueue<number>) {
  for (const item of sequence) {
    // Put the item on the queue
    await outputQ.put(item)
  }
}

const q = new JoinableQueue<number>()
// Launch the consumer process
const consP = new Process({ target: consumer, args: [q], daemon: true })
consP.start()
// Produce items. sequence represents a sequence of items to be sent to the consumer.
const sequence = [1, 2, 3, 4]
await producer(sequence, q)
// Wait for all items to be processed
await q.join()
