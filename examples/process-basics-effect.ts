// Python's first Process example through the Effect face (the Python is in
// process-basics.ts): the child says hello with its name (Python's Process-1)
// and its parent's pid; the Process lives in the program's Scope, which would
// terminate it if the program ended first.
import { Effect } from "effect"
import { Context, NodeMultiprocessing, Process } from "effect-multiprocessing"

const f = async (name: string) => {
  // Inline targets travel as source: what they use, they import themselves.
  const { Effect } = await import("effect")
  const { Context } = await import("effect-multiprocessing")
  return Effect.map(Context.currentProcess, (me) =>
    console.log(`hello ${name} from ${me.name} (pid ${process.pid}, parent ${process.ppid})`))
}

const program = Effect.gen(function*() {
  const me = yield* Context.currentProcess
  console.log(`${me.name} (pid ${process.pid}), parent: ${yield* Context.parentProcess}`)
  const p = yield* Process.start({ target: f, args: ["bob"] })
  yield* p.join()
  console.log(`exit code ${p.exitCode}`)
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
