import * as codec from "../dist/internal/codec.js"
import { pack, unpack } from "../dist/internal/itemBatch.js"
import { Serializer } from "effect-multiprocessing"
console.log(Object.keys(codec))
const item = new Uint8Array(50 * 1024 * 1024).fill(7)
let t = performance.now(); const lap = (s) => { const n = performance.now(); console.log(s, (n - t).toFixed(0), "ms"); t = n }
const enc = Serializer.unknown.encode(item); lap("serializer encode"); const bytes = enc.right
const packed = pack([bytes]); lap("pack")
const req = ["post", 1, "abc", "put", [packed], ""]
const wire = (codec.encode ?? codec.serialize)(req); lap("codec encode request " + wire.byteLength)
const back = (codec.decode ?? codec.deserialize)(wire); lap("codec decode request")
const items = unpack(back[4][0]); lap("unpack")
const dec = Serializer.unknown.decode(items[0]); lap("serializer decode")
const rep = ["ok", 1, back[4][0]]; const w2 = (codec.encode ?? codec.serialize)(rep); lap("codec encode reply"); (codec.decode ?? codec.deserialize)(w2); lap("codec decode reply")
