// Python's first Process example through the Effect face (the Python is in
// process-basics.ts): the child says hello with its name (Python's Process-1)
// and its parent's pid; the Process lives in the program's Scope, which would
// terminate it if the program ended first.
import { Effect } from "effect"
import { NodeMultiprocessing, Process, ProcessContext } from "effect-multiprocessing"

const f = async (name: string) => {
  // Inline targets travel as source: what they use, they import themselves.
  const { Effect } = await import("effect")
  const { ProcessContext } = await import("effect-multiprocessing")
  return Effect.map(ProcessContext.currentProcess, (me) =>
    console.log(`hello ${name} from ${me.name} (pid ${process.pid}, parent ${process.ppid})`))
}

const program = Effect.gen(function*() {
  const me = yield* ProcessContext.currentProcess
  console.log(`${me.name} (pid ${process.pid}), parent: ${yield* ProcessContext.parentProcess}`)
  const p = yield* Process.start({ target: f, args: ["bob"] })
  yield* p.join()
  console.log(`exit code ${p.exitCode}`)
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
