// Python's "Server process" Manager example (the multiprocessing docs) through
// the Effect face: the manager lives as long as the Scope (Python's `with`), and
// the child's target returns an Effect that works on the proxies it was given.
//
//   from multiprocessing import Process, Manager
//   def f(d, l):
//       d[1] = '1'
//       d['2'] = 2
//       d[0.25] = None
//       l.reverse()
//   if __name__ == '__main__':
//       with Manager() as manager:
//           d = manager.dict()
//           l = manager.list(range(10))
//           p = Process(target=f, args=(d, l))
//           p.start()
//           p.join()
//           print(d)    # prints "{1: '1', '2': 2, 0.25: None}"
//           print(l)    # prints "[9, 8, 7, 6, 5, 4, 3, 2, 1, 0]"
import { Effect } from "effect"
import { Manager, NodeMultiprocessing, Process } from "effect-multiprocessing"

const f = async (d: Manager.DictHandle, l: Manager.ListHandle) => {
  const { Effect } = await import("effect")
  return Effect.all([d.setItem(1, "1"), d.setItem("2", 2), d.setItem(0.25, null), l.reverse], { discard: true })
}

const program = Effect.gen(function*() {
  const manager = yield* Manager.make()
  const d = yield* manager.dict()
  const l = yield* manager.list(Array.from({ length: 10 }, (_, i) => i))

  yield* Process.run({ target: f, args: [d, l] }) // start, then join

  console.log(yield* d.copy) // prints "Map(3) { 1 => '1', '2' => 2, 0.25 => null }"
  console.log(yield* l.toArray) // prints [ 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 ] (Node spreads it over lines)
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
