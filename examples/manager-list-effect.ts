// multiprocess's README, a shared list made by a manager, through the Effect
// face: the list lives in the manager process, which runs while the Scope is open.
//
//   >>> from multiprocess import Manager
//   >>> manager = Manager()
//   >>> l = manager.list(range(10))
//   >>> l.reverse()
//   >>> print (l)
//   [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
//   >>> print (repr(l))
//   <Proxy[list] object at 0x00E1B3B0>
//
// `l` is a ListHandle: its operations are Effects (reverse and toArray are
// getters). The last line, the proxy's repr, is left out: a handle prints its
// internals, which say nothing useful.
import { Effect } from "effect"
import { Manager, NodeMultiprocessing } from "effect-multiprocessing"

const program = Effect.gen(function*() {
  const manager = yield* Manager.make()
  const l = yield* manager.list(Array.from({ length: 10 }, (_, i) => i))
  yield* l.reverse
  console.log(yield* l.toArray) // prints [ 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 ] (Node spreads it over lines)
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
