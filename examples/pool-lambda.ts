// The Pool examples of the multiprocess README (dill's fork of multiprocessing),
// ported to the compat face:
//
//   >>> from multiprocess import Pool
//   >>> def f(x): return x*x
//   ...
//   >>> p = Pool(4)
//   >>> result = p.map_async(f, range(10))
//   >>> print (result.get(timeout=1))
//   [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]
//
//   When dill is installed, serialization is extended to most objects, for example
//
//   >>> from multiprocess import Pool
//   >>> p = Pool(4)
//   >>> print (p.map(lambda x: (lambda y:y**2)(x) + x, xrange(10)))
//   [0, 2, 6, 12, 20, 30, 42, 56, 72, 90]
//
// dill's part is built in: an inline function, lambdas inside it included,
// travels to the workers as source text. As in the interactive session, the
// pools are never closed: idle workers do not keep the program alive, and they
// exit with it.
import { Pool } from "effect-multiprocessing/compat"

const range = (n: number) => Array.from({ length: n }, (_, i) => i)

function f(x: number) {
  return x * x
}

let p = new Pool(4)
const result = p.mapAsync(f, range(10))
// Python waits one second; four Node workers starting on a busy machine may need more.
console.log(await result.get(5)) // [0, 1, 4, 9, 16, 25, 36, 49, 64, 81] (Node spreads it over lines)

p = new Pool(4)
console.log(await p.map((x) => ((y) => y ** 2)(x) + x, range(10))) // [0, 2, 6, 12, 20, 30, 42, 56, 72, 90]
