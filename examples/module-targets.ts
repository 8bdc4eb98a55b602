// The first two examples of Python's multiprocessing docs, with their targets
// in a module of their own (examples/lib/tasks.ts), ported to the compat face:
//
//   from multiprocessing import Process
//   def f(name):
//       print('hello', name)
//   if __name__ == '__main__':
//       p = Process(target=f, args=('bob',))
//       p.start()
//       p.join()
//
//   from multiprocessing import Pool
//   def f(x):
//       return x*x
//   if __name__ == '__main__':
//       with Pool(5) as p:
//           print(p.map(f, [1, 2, 3]))
//
// A Python child finds `f` by importing the main module; here the child imports
// the module named by the URL and calls the export. `Target.module` gives every
// export as a target typed from the module: `args` must match the export's
// parameters (`args: [42]` would not compile), and results have its return type.
// The URL names tasks.js, as TypeScript's own imports do: under tsx it loads
// tasks.ts, and compiled to JavaScript it loads tasks.js.
import { Pool, Process, Target } from "effect-multiprocessing/compat"
import type * as Tasks from "./lib/tasks.js"

const tasks = Target.module<typeof Tasks>(new URL("./lib/tasks.js", import.meta.url))

const p = new Process({ target: tasks.hello, args: ["bob"] })
p.start()
await p.join()

{
  await using pool = new Pool(5) // Python's `with Pool(5) as p`: terminated at the end of the block
  const squares: Array<number> = await pool.map(tasks.square, [1, 2, 3])
  console.log(squares)
  console.log(`ran in ${await pool.apply(tasks.whereAmI)}, not in this process (pid ${process.pid})`)
}
