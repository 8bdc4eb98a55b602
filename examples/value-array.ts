// Python's shared Value and Array example, ported to the compat face:
//
//   from multiprocessing import Process, Value, Array
//   def f(n, a):
//       n.value = 3.1415927
//       for i in range(len(a)):
//           a[i] = -a[i]
//   if __name__ == '__main__':
//       num = Value('d', 0.0)
//       arr = Array('i', range(10))
//       p = Process(target=f, args=(num, arr))
//       p.start()
//       p.join()
//       print(num.value)   # 3.1415927
//       print(arr[:])      # [0, -1, -2, -3, -4, -5, -6, -7, -8, -9]
//
// The process that makes them serves them; reads and writes from another
// process are round trips, hence get()/set() and getItem()/setItem().
import { Array, Process, type SharedArray, type SharedValue, Value } from "effect-multiprocessing/compat"

async function f(n: SharedValue<"d">, a: SharedArray<"i">) {
  await n.set(3.1415927)
  for (let i = 0; i < a.length; i++) await a.setItem(i, -(await a.getItem(i)))
}

const num = Value("d", 0.0)
const arr = Array("i", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
const p = new Process({ target: f, args: [num, arr] })
p.start()
await p.join()
console.log(await num.get())
console.log(await arr.getSlice())
