import type { Pool } from "effect-multiprocessing"
declare const pool: Pool.Pool
export const a = pool.map(() => process.pid, Array.from({ length: 4 }), { chunksize: 1 })
