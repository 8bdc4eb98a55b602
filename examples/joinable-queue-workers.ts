// Two worker processes on a JoinableQueue: the main process waits with join()
// until every task is marked done, then stops the workers with one None
// sentinel each (the multiprocess package's JoinableQueue example), ported to
// the compat face:
//
//   from multiprocess import Process, JoinableQueue
//   import time
//   def worker(q):
//       while True:
//           item = q.get()
//           if item is None:
//               break
//           print(f"Processing {item}")
//           time.sleep(1)  # Simulate work
//           q.task_done()
//   q = JoinableQueue()
//   workers = []
//   for i in range(2):
//       p = Process(target=worker, args=(q,))
//       p.start()
//       workers.append(p)
//   tasks = [f"task-{i}" for i in range(5)]
//   for task in tasks:
//       q.put(task)
//   q.join()  # Wait for all tasks to complete
//   print("All tasks completed")
//   for _ in workers:  # Stop workers
//       q.put(None)
//   for p in workers:
//       p.join()
//
// (The original also defines an add_tasks(q, tasks) helper that it never
// calls; the loop above does its work.)
import { JoinableQueue, Process } from "effect-multiprocessing/compat"

async function worker(q: JoinableQueue<string | null>) {
  while (true) {
    const item = await q.get()
    if (item === null) break
    console.log(`Processing ${item}`)
    await new Promise((resolve) => setTimeout(resolve, 1000)) // Simulate work
    await q.taskDone()
  }
}

const q = new JoinableQueue<string | null>()
const workers: Array<Process<void>> = []
for (let i = 0; i < 2; i++) {
  const p = new Process({ target: worker, args: [q] })
  p.start()
  workers.push(p)
}
const tasks = Array.from({ length: 5 }, (_, i) => `task-${i}`)
for (const task of tasks) await q.put(task)
await q.join() // Wait for all tasks to complete
console.log("All tasks completed")
for (const _ of workers) await q.put(null) // Stop workers
for (const p of workers) await p.join()
