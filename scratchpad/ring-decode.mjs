import { createRequire } from "node:module"
const require = createRequire(import.meta.url)
const { Packr } = require("msgpackr")
const codec = await import("../dist/internal/codec/codec.js")
const packr = new Packr({ useRecords: false, int64AsType: "number" })
const ring = new Uint8Array(new ArrayBuffer(1 << 20))
const enc = codec.encode({ id: 12345, producer: 3 })
ring.set(enc, 100)
const ringBuf = Buffer.from(ring.buffer, 0, ring.length)
const scratch = Buffer.allocUnsafe(65536)
const N = 2_000_000
const bench = (name, f) => { let s = 0; for (let i = 0; i < 200000; i++) s += f().id; const t = performance.now(); for (let i = 0; i < N; i++) s += f().id; console.log(name, ((performance.now() - t) * 1e6 / N).toFixed(0), "ns") }
for (let k = 0; k < 2; k++) {
bench("slice+codec.decode", () => codec.decode(ring.slice(100, 100 + enc.length)))
bench("scratch copy+unpack", () => { scratch.set(ring.subarray(100, 100 + enc.length)); return packr.unpack(scratch, { start: 0, end: enc.length }) })
bench("scratch copyWithin-ish loop+unpack", () => { const n = enc.length; for (let i = 0; i < n; i++) scratch[i] = ringBuf[100 + i]; return packr.unpack(scratch, { start: 0, end: n }) })
bench("ring view unpack", () => packr.unpack(ringBuf, { start: 100, end: 100 + enc.length }))
bench("encode", () => ({ id: codec.encode({ id: 1, producer: 2 }).length }))
}
bench("slice only", () => ({ id: ring.slice(100, 100 + enc.length).length }))
bench("Buffer.allocUnsafe+set", () => { const b = Buffer.allocUnsafe(enc.length); b.set(ring.subarray(100, 100 + enc.length)); return { id: b.length } })
bench("allocUnsafe+set+unpack", () => { const b = Buffer.allocUnsafe(enc.length); b.set(ring.subarray(100, 100 + enc.length)); return packr.unpack(b) })
bench("slice+unpack", () => packr.unpack(ring.slice(100, 100 + enc.length)))
