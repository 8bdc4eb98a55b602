// Python's Pipe example, ported to the compat face:
//
//   from multiprocessing import Process, Pipe
//   def f(conn):
//       conn.send([42, None, 'hello'])
//       conn.close()
//   if __name__ == '__main__':
//       parent_conn, child_conn = Pipe()
//       p = Process(target=f, args=(child_conn,))
//       p.start()
//       print(parent_conn.recv())   # prints "[42, None, 'hello']"
//       p.join()
import { type Connection, Pipe, Process } from "effect-multiprocessing/compat"

async function f(conn: Connection) {
  await conn.send([42, null, "hello"])
  conn.close()
}

const [parentConn, childConn] = await Pipe()
const p = new Process({ target: f, args: [childConn] })
p.start()
childConn.close() // the child holds its own copy of this end now
console.log(await parentConn.recv()) // prints "[ 42, null, 'hello' ]"
await p.join()
parentConn.close()
