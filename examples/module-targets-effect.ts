// The first two examples of Python's multiprocessing docs (the Python is in
// module-targets.ts) through the Effect face, with their targets in a module of
// their own (examples/lib/tasks.ts): the child imports it and calls the export.
// `Target.module` types each target from the module: `args` must match the
// export's parameters, and `Process.run` and `pool.map` give its results typed.
import { Effect } from "effect"
import { NodeMultiprocessing, Process, ProcessPool, Target } from "effect-multiprocessing"
import type * as Tasks from "./lib/tasks.js"

// tasks.js, as TypeScript's own imports name it: tasks.ts under tsx, tasks.js once compiled.
const tasks = Target.module<typeof Tasks>(new URL("./lib/tasks.js", import.meta.url))

const program = Effect.gen(function*() {
  yield* Process.run({ target: tasks.hello, args: ["bob"] })

  // Python's `with Pool(5) as p`: a pool scoped to this block
  yield* Effect.scoped(Effect.gen(function*() {
    const pool = yield* ProcessPool.make({ processes: 5 })
    const squares: Array<number> = yield* pool.map(tasks.square, [1, 2, 3])
    console.log(squares)
    console.log(`ran in ${yield* pool.apply(tasks.whereAmI, [])}, not in this process (pid ${process.pid})`)
  }))
})

Effect.runPromise(program.pipe(Effect.provide(NodeMultiprocessing.layer)))
