import v8 from "node:v8"
import { Packr } from "msgpackr"
const small = { id: 42, name: "task-42", tags: ["a", "b"], ok: true, score: 3.14, nested: { x: 1, y: [1, 2, 3] } }
const big = new Float64Array(131072)
for (let i = 0; i < big.length; i++) big[i] = Math.random()
const bench = (label, f, n) => {
  for (let i = 0; i < n / 10; i++) f()
  const t0 = performance.now()
  for (let i = 0; i < n; i++) f()
  const dt = performance.now() - t0
  console.log(label.padEnd(30), ((n / dt) * 1000).toFixed(0).padStart(10), "ops/s")
}
const packr = new Packr({ structuredClone: true, useRecords: false, moreTypes: true })
const packrRec = new Packr({ structuredClone: true, moreTypes: true })
bench("JSON small", () => JSON.parse(JSON.stringify(small)), 300000)
bench("JSON small bytes", () => JSON.parse(Buffer.from(JSON.stringify(small)).toString()), 300000)
bench("v8 small", () => v8.deserialize(v8.serialize(small)), 300000)
bench("msgpackr sc small", () => packr.unpack(packr.pack(small)), 300000)
bench("msgpackr sc rec small", () => packrRec.unpack(packrRec.pack(small)), 300000)
bench("v8 1MiB f64", () => v8.deserialize(v8.serialize(big)), 2000)
bench("msgpackr 1MiB f64", () => packr.unpack(packr.pack(big)), 2000)
const cyc = { a: new Map([[1, new Set([2n])]]), d: new Date(), r: /x/g, e: new TypeError("boom") }; cyc.self = cyc
const back = v8.deserialize(v8.serialize(cyc)); console.log("v8", back.self === back, back.e instanceof TypeError, back.e.stack?.slice(0,30), back.a.get(1))
const back2 = packr.unpack(packr.pack(cyc)); console.log("msgpackr", back2.self === back2, back2.e instanceof TypeError, back2.e.stack?.slice(0,30), back2.a.get(1))
try { console.log(packr.unpack(packr.pack(123456789012345678901234567890n))) } catch (e) { console.log("msgpackr bigbigint", e.message) }
class Foo { constructor() { this.x = 1 } }
try { console.log(v8.deserialize(v8.serialize(new Foo()))) } catch (e) { console.log("v8 class", e.message) }
try { console.log(v8.deserialize(v8.serialize({f(){}}))) } catch (e) { console.log("v8 fn", e.message) }
try { console.log(v8.deserialize(v8.serialize(undefined)), v8.deserialize(v8.serialize([undefined, -0, NaN]))) } catch (e) { console.log("v8 undef", e.message) }
