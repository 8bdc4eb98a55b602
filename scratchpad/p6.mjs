import { Pool, Value, Lock } from "effect-multiprocessing/compat"
const v = Value("i", 0)
const lock = new Lock()
const pool = new Pool(1)
console.log(await pool.apply((v, l) => [v.constructor.name, Object.getOwnPropertyNames(Object.getPrototypeOf(v)).join(","), typeof v.getLock, l.constructor.name, typeof l.acquire], [v, lock]))
pool.terminate()
