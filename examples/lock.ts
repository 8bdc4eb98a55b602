// Python's Lock example, ported to the compat face: ten processes print in turn.
//
//   from multiprocessing import Process, Lock
//   def f(l, i):
//       l.acquire()
//       try:
//           print('hello world', i)
//       finally:
//           l.release()
//   if __name__ == '__main__':
//       lock = Lock()
//       for num in range(10):
//           Process(target=f, args=(lock, num)).start()
import { Lock, Process } from "effect-multiprocessing/compat"

async function f(l: Lock, i: number) {
  await l.acquire()
  try {
    console.log("hello world", i)
  } finally {
    await l.release()
  }
}

const lock = new Lock()
const processes: Array<Process<void>> = []
for (let num = 0; num < 10; num++) {
  const p = new Process({ target: f, args: [lock, num] })
  p.start()
  processes.push(p)
}
for (const p of processes) await p.join() // Python joins its non-daemon children at exit
