// multiprocess's README, a shared list made by a manager, ported to the compat
// face: the list lives in the manager process, and `l` is a proxy to it.
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
// Python's print(l) asks the manager for the list's str; here toArray() fetches
// the items, and printing the proxy itself shows only what it is.
import { Manager } from "effect-multiprocessing/compat"

const manager = await Manager()
try {
  const l = await manager.list(Array.from({ length: 10 }, (_, i) => i))
  await l.reverse()
  console.log(await l.toArray()) // prints [ 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 ] (Node spreads it over lines)
  console.log(l) // prints "ListProxy {}"
} finally {
  await manager.shutdown() // the interpreter's exit stops Python's manager
}
