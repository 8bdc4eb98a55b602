// A pool of two consumer processes on one JoinableQueue (the continuation of
// the daemon consumer example in Beazley's Python Essential Reference), ported
// to the compat face. consumer and producer are those of
// joinable-queue-daemon-consumer.ts:
//
//   q = multiprocessing.JoinableQueue()
//   # Launch some consumer processes
//   cons_p1 = multiprocessing.Process(target=consumer, args=(q,))
//   cons_p1.daemon = True
//   cons_p1.start()
//   cons_p2 = multiprocessing.Process(target=consumer, args=(q,))
//   cons_p2.daemon = True
//   cons_p2.start()
//   # Produce items. sequence represents a sequence of items to
//   # be sent to the consumer.
//   sequence = [1, 2, 3, 4]
//   producer(sequence, q)
//   # Wait for all items to be processed
//   q.join()
//
// As in joinable-queue-daemon-consumer.ts, the pending join() keeps this
// process alive, and the daemons are terminated when it ends.
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
// Launch some consumer processes
const consP1 = new Process({ target: consumer, args: [q], daemon: true })
consP1.start()
const consP2 = new Process({ target: consumer, args: [q], daemon: true })
consP2.start()
// Produce items. sequence represents a sequence of items to be sent to the consumer.
const sequence = [1, 2, 3, 4]
await producer(sequence, q)
// Wait for all items to be processed
await q.join()
