import { Pool } from "effect-multiprocessing/compat"
import * as codec from "../dist/internal/codec.js"
const pool = new Pool(2)
const double = (x) => x * 2
const xs = Array.from({ length: 200000 }, (_, i) => i)
await pool.map(double, xs)
for (let r = 0; r < 5; r++) { const t = performance.now(); await pool.map(double, xs); console.log("map", (performance.now() - t).toFixed(1)) }
const chunk = xs.slice(0, 25000)
let t = performance.now(); for (let i = 0; i < 80; i++) codec.encode(chunk); console.log("encode 25k chunk", ((performance.now() - t) / 80).toFixed(2), "ms")
const enc = codec.encode(chunk)
t = performance.now(); for (let i = 0; i < 80; i++) codec.decode(enc); console.log("decode 25k chunk", ((performance.now() - t) / 80).toFixed(2), "ms", enc.byteLength)
t = performance.now(); for (let i = 0; i < 80; i++) JSON.stringify(chunk); console.log("json 25k", ((performance.now() - t) / 80).toFixed(2))
pool.terminate()
