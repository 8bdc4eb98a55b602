// Python's first Process example, ported to the compat face:
//
//   from multiprocessing import Process
//   def f(name):
//       print('hello', name)
//   if __name__ == '__main__':
//       p = Process(target=f, args=('bob',))
//       p.start()
//       p.join()
import { currentProcess, parentProcess, Process } from "effect-multiprocessing/compat"

async function f(name: string) {
  // Inline targets travel as source: what they use, they import themselves.
  const { currentProcess } = await import("effect-multiprocessing/compat")
  console.log(`hello ${name} from ${currentProcess().name} (pid ${process.pid}, parent ${process.ppid})`)
}

console.log(`${currentProcess().name} (pid ${process.pid}), parent: ${parentProcess()}`)
const p = new Process({ target: f, args: ["bob"] })
p.start()
await p.join()
console.log(`exit code ${p.exitCode}`)
