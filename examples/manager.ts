// Python's "Server process" Manager example (the multiprocessing docs, "Sharing
// state between processes"), ported to the compat face: a manager process holds
// a dict and a list; a child changes them through the proxies it is given.
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
//
// `d[k] = v` is `d.setItem(k, v)` here, and every proxy method returns a Promise.
// A Map keeps the keys 1, '2' and 0.25 apart, as a Python dict does.
import { type DictProxy, type ListProxy, Manager, Process } from "effect-multiprocessing/compat"

async function f(d: DictProxy, l: ListProxy<number>) {
  await d.setItem(1, "1")
  await d.setItem("2", 2)
  await d.setItem(0.25, null)
  await l.reverse()
}

{
  await using manager = await Manager() // shut down at the end of the block, as at the end of Python's `with`
  const d: DictProxy = await manager.dict()
  const l: ListProxy<number> = await manager.list(Array.from({ length: 10 }, (_, i) => i))

  const p = new Process({ target: f, args: [d, l] })
  p.start()
  await p.join()

  console.log(await d.copy()) // prints "Map(3) { 1 => '1', '2' => 2, 0.25 => null }"
  console.log(await l.toArray()) // prints [ 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 ] (Node spreads it over lines)
}
