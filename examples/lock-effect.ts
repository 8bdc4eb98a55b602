// Python's Lock example through the Effect face: ten processes print in turn,
// each holding the lock (withLock releases it however the body ends).
import { Effect } from "effect"
import { Lock, NodeMultiprocessing, Process } from "effect-multiprocessing"

const f = async (l: Lock.Lock, i: number) => {
  const { Effect } = await import("effect")
  return l.withLock(Effect.sync(() => console.log("hello world", i)))
}

const program = Effect.gen(function*() {
  const lock = yield* Lock.make()
  yield* Effect.forEach(
    Array.from({ length: 10 }, (_, num) => num),
    (num) => Process.run({ target: f, args: [lock, num] }),
    { concurrency: "unbounded", discard: true }
  )
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
