// Small-object round trip: JSON (strings), JSON via bytes, our codec, msgpackr with and without records.
import { Packr, Unpackr } from "msgpackr"
import { encode, decode } from "../dist/internal/codec.js"
const small = { id: 42, name: "task-42", tags: ["a", "b"], ok: true, score: 3.14, nested: { x: 1, y: [1, 2, 3] } }
const plain = new Packr({ useRecords: false })
const rec = new Packr({ useRecords: true, sequential: true })
const variants = {
  json: () => JSON.parse(JSON.stringify(small)),
  jsonBytes: () => JSON.parse(Buffer.from(JSON.stringify(small)).toString()),
  ours: () => decode(encode(small)),
  msgpackrPlain: () => plain.unpack(plain.pack(small)),
  msgpackrRecordsSeq: () => rec.unpack(rec.pack(small)),
}
const res = Object.fromEntries(Object.keys(variants).map((k) => [k, []]))
for (let round = 0; round < 7; round++) for (const [k, f] of Object.entries(variants)) {
  for (let i = 0; i < 20000; i++) f()
  const t0 = performance.now(); let n = 0
  while (performance.now() - t0 < 200) { for (let i = 0; i < 1000; i++) f(); n += 1000 }
  res[k].push(n / (performance.now() - t0) * 1000)
}
const med = (a) => a.sort((x, y) => x - y)[a.length >> 1]
for (const k of Object.keys(res)) console.log(k.padEnd(20), med(res[k]).toFixed(0), (med(res[k]) / med(res.json)).toFixed(2))
console.log(plain.unpack(plain.pack({ big: 2 ** 60, neg: -(2 ** 55), f: 0.1, s: "é", arr: [[]], o: {} })))
