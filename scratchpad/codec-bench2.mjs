import v8 from "node:v8"
const small = { id: 42, name: "task-42", tags: ["a", "b"], ok: true, score: 3.14, nested: { x: 1, y: [1, 2, 3] } }
const bench = (label, f, n) => {
  for (let i = 0; i < n / 10; i++) f()
  let best = 0
  for (let r = 0; r < 5; r++) {
  const t0 = performance.now()
  for (let i = 0; i < n; i++) f()
  const dt = performance.now() - t0
  best = Math.max(best, (n / dt) * 1000) }
  console.log(label.padEnd(30), best.toFixed(0).padStart(10), "ops/s")
}
const OP = Object.prototype
const plain = (v, depth) => {
  switch (typeof v) {
    case "string": case "boolean": return true
    case "number": return Number.isFinite(v) && !Object.is(v, -0)
    case "object": {
      if (v === null) return true
      if (depth > 32) return false
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) { if (!(i in v) || !plain(v[i], depth + 1)) return false }
        return true
      }
      if (Object.getPrototypeOf(v) !== OP) return false
      for (const k in v) { if (!plain(v[k], depth + 1)) return false }
      return true
    }
    default: return false
  }
}
const encode = (v) => plain(v, 0) ? Buffer.from("\x01" + JSON.stringify(v)) : v8.serialize(v)
const decode = (b) => b[0] === 1 ? JSON.parse(b.toString("utf8", 1)) : v8.deserialize(b)
const enc2 = (v) => { if (plain(v, 0)) { const s = JSON.stringify(v); const b = Buffer.allocUnsafe(Buffer.byteLength(s) + 1); b[0] = 1; b.utf8Write(s, 1); return b } return v8.serialize(v) }
const dec2 = (b) => b[0] === 1 ? JSON.parse(b.utf8Slice(1, b.length)) : v8.deserialize(b)
const te = new TextEncoder(), td = new TextDecoder()
for (let r = 0; r < 2; r++) {
bench("JSON small", () => JSON.parse(JSON.stringify(small)), 300000)
bench("hybrid small", () => decode(encode(small)), 300000)
bench("hybrid2 small", () => dec2(enc2(small)), 300000)
bench("walker only", () => plain(small, 0), 300000)
}
