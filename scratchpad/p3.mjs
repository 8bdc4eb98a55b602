import { Pool, TimeoutError } from "effect-multiprocessing/compat"
const pool = new Pool(2)
console.log(await pool.apply((a, b) => a + b, [1, 2]))
console.log(await pool.map((x) => x * x, [1, 2, 3]))
const r = pool.applyAsync((ms) => new Promise((res) => setTimeout(() => res("slept"), ms)), [300])
try { await r.get(0.05) } catch (e) { console.log("timeout ok", e instanceof TimeoutError, r.ready()) }
console.log(await r.get(), r.successful())
for await (const x of pool.imap((x) => x * 10, [1, 2, 3, 4], { chunksize: 2 })) console.log("imap", x)
const gen = function*() { yield 1; yield 2; throw new RangeError("input broke") }
try { await pool.map((x) => x, gen()) } catch (e) { console.log("input error:", e.name, e.message) }
const out = []
try { for await (const x of pool.imap((x) => x, gen())) out.push(x) } catch (e) { console.log("imap input error after", out, e.message) }
console.log(await pool.map((x) => x, []))
try { new Pool(0) } catch (e) { console.log(e.name, e.message) }
// crash
const t = performance.now()
const lost = pool.apply(() => { process.kill(process.pid, "SIGKILL") })
try { await lost } catch (e) { console.log(e.name, e.message, e.exitCode, e.signal, (performance.now() - t).toFixed(1), "ms") }
console.log("after crash", await pool.apply((x) => x + 1, [1]), pool.pids)
try { await pool.apply(() => { while (true) {} }, [], { timeout: 0.2 }) } catch (e) { console.log(e.name, e.message) }
try { await pool.apply(() => new Promise(() => {}), [], { softTimeout: 0.2 }) } catch (e) { console.log(e.name, e.message) }
console.log("after limits", await pool.apply((x) => x + 1, [2]))
pool.close(); await pool.join(); console.log("joined")
try { await pool.apply((x) => x, [1]) } catch (e) { console.log(e.name, e.message) }
