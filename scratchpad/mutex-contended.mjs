// Two processes increment one shared word under a shared-memory mutex, started together by a spin
// barrier (no Barrier object, so no wake-up skew): µs per increment, and what the contention cost.
// node scratchpad/mutex-contended.mjs [n] [rounds] [modes, comma-separated: drepper,ours,ourslock]
import { spawn } from "node:child_process"
import { createRequire } from "node:module"
const require = createRequire(import.meta.url)
const shm = require("../dist/native/shm.node")
const child = process.argv[2] === "child"
const COUNTER = 16, GATE = 32
if (!child) {
  const n = Number(process.argv[2] ?? 200000)
  const rounds = Number(process.argv[3] ?? 5)
  const modes = (process.argv[4] ?? "drepper,ours").split(",")
  const results = Object.fromEntries(modes.map((m) => [m, []]))
  for (let r = 0; r < rounds; r++) {
    for (const mode of modes) {
      const name = `/scratch-mutex-${process.pid}-${r}-${mode}`
      const words = new Int32Array(shm.create(name, 4096))
      const kids = [0, 1].map(() => spawn(process.execPath, [new URL(import.meta.url).pathname, "child", mode, name, String(n)], { stdio: ["ignore", "pipe", "inherit"] }))
      const outs = await Promise.all(kids.map((k) => new Promise((res) => { let s = ""; k.stdout.on("data", (d) => (s += d)); k.on("close", () => res(JSON.parse(s))) })))
      shm.unlink(name)
      const total = words[COUNTER]
      const elapsed = Math.max(...outs.map((o) => o.end)) - Math.min(...outs.map((o) => o.start))
      const us = elapsed * 1000 / (2 * n)
      results[mode].push(us)
      console.log(mode.padEnd(9), us.toFixed(3), "µs/inc", total === 2 * n ? "exact" : `LOST ${total}`, JSON.stringify(outs.map((o) => o.stats)))
    }
  }
  const med = (x) => [...x].sort((a, b) => a - b)[x.length >> 1]
  for (const m of modes) console.log("median", m, med(results[m]).toFixed(3))
} else {
  const [, , , mode, name, nText] = process.argv
  const n = Number(nText)
  const words = new Int32Array(shm.attach(name))
  const stats = { slow: 0, waits: 0, wakes: 0 }
  let lock, unlock
  if (mode === "drepper") {
    // Drepper's mutex #2, CAS fast path in JS, a bounded spin before sleeping.
    const SPIN = Number(process.env.SPIN ?? 100)
    lock = () => {
      let c = Atomics.compareExchange(words, 0, 0, 1)
      if (c === 0) return
      stats.slow++
      for (let i = 0; i < SPIN; i++) {
        if (Atomics.load(words, 0) === 0 && (c = Atomics.compareExchange(words, 0, 0, 1)) === 0) return
      }
      if (c !== 2) c = Atomics.exchange(words, 0, 2)
      while (c !== 0) {
        stats.waits++
        shm.wait(words, 0, 2, -1)
        c = Atomics.exchange(words, 0, 2)
      }
    }
    unlock = () => {
      if (Atomics.exchange(words, 0, 0) === 2) { stats.wakes++; shm.wake(words, 0, 1) }
    }
  } else {
    const { SharedMutex } = await import("../dist/internal/lock/sharedMutex.js")
    const counting = { wait: (...a) => { stats.waits++; return shm.wait(...a) }, wake: (...a) => { stats.wakes++; return shm.wake(...a) } }
    const mutex = new SharedMutex(counting, words, mode !== "ourslock")
    const caller = `${process.pid}`
    lock = () => mutex.acquireSync(caller, true, undefined)
    unlock = () => mutex.releaseRefused(caller)
  }
  const increments = (count, by) => {
    for (let i = 0; i < count; i++) {
      lock()
      words[COUNTER] += by
      unlock()
    }
  }
  const warmUntil = performance.now() + 300
  while (performance.now() < warmUntil) increments(1000, 0)
  for (const k in stats) stats[k] = 0
  Atomics.add(words, GATE, 1)
  while (Atomics.load(words, GATE) < 2);
  const start = performance.timeOrigin + performance.now()
  increments(n, 1)
  const end = performance.timeOrigin + performance.now()
  process.stdout.write(JSON.stringify({ start, end, stats }))
}
