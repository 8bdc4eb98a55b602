// Python's Pipe example (the multiprocessing docs) through the Effect face
// (the Python is in pipe.ts): the child's target returns an Effect that sends
// on the end it was given; both ends close with the program's Scope.
import { Effect } from "effect"
import { type Connection, NodeMultiprocessing, Pipe, Process } from "effect-multiprocessing"

const f = (conn: Connection.Connection) => conn.send([42, null, "hello"]) // the child's end closes as it exits

const program = Effect.gen(function*() {
  const [parentConn, childConn] = yield* Pipe.make()
  const p = yield* Process.start({ target: f, args: [childConn] })
  yield* childConn.close // the child holds its own copy of this end now
  console.log(yield* parentConn.recv) // prints "[ 42, null, 'hello' ]"
  yield* p.join()
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeMultiprocessing.layer)))
