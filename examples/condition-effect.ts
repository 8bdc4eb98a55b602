// The Condition lines of the multiprocess README (the Python is in
// condition.ts) through the Effect face: acquire's answer, then this process
// waits on the Condition until a child has set a shared flag and notified it.
// `withLock` holds the Condition's lock for an Effect, and releases it however
// that Effect ends.
import { Effect } from "effect"
import { Condition, NodeMultiprocessing, Process, SharedValue } from "effect-multiprocessing"

const setter = async (c: Condition.Condition, flag: SharedValue.SharedValue<"i">) => {
  const { Effect } = await import("effect")
  return c.withLock(Effect.zipRight(flag.set(1), c.notifyAll))
}

const program = Effect.gen(function*() {
  const c = yield* Condition.make()
  console.log(yield* c.acquire()) // true
  yield* c.release

  const flag = yield* SharedValue.makeValue("i", 0)
  const p = yield* Process.start({ target: setter, args: [c, flag] })
  // waitFor releases the lock while it waits, and holds it again to check the flag.
  yield* c.withLock(c.waitFor(Effect.map(flag.get, (value) => value === 1)))
  console.log(`notified: the flag is ${yield* flag.get}`)
  yield* p.join()
  console.log(`child exit code ${p.exitCode}`)
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
