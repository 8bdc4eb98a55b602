/**
 * Small timing and statistics helpers for bench/run.js. No dependencies.
 */

export const median = (xs) => {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2
}

export const min = (xs) => Math.min(...xs)
export const max = (xs) => Math.max(...xs)

/** Consumed results go here so that V8 cannot drop the work being timed. */
export const sink = { value: 0 }

/**
 * Calls `fn` in batches sized to take ~5 ms until `budgetMs` has passed and
 * gives calls per second. The same scheme as `_ops_per_s` in python/peer.py.
 */
export const opsPerSecond = (fn, budgetMs) => {
  let batch = 1
  for (;;) { // calibrate
    const t0 = performance.now()
    for (let i = 0; i < batch; i++) fn()
    if (performance.now() - t0 >= 5) break
    batch *= 2
  }
  let n = 0
  const t0 = performance.now()
  for (;;) {
    for (let i = 0; i < batch; i++) fn()
    n += batch
    const elapsed = performance.now() - t0
    if (elapsed >= budgetMs) return n / (elapsed / 1000)
  }
}

/** Rotates `xs` left by `k`, so that each round starts with a different contender. */
export const rotate = (xs, k) => xs.map((_, i) => xs[(i + k) % xs.length])

/** Formats a number with about 3 significant digits and thousands separators. */
export const fmt = (n) => {
  if (n === null || n === undefined || Number.isNaN(n)) return "n/a"
  const abs = Math.abs(n)
  if (abs >= 1000) return Math.round(n).toLocaleString("en-US")
  if (abs >= 100) return n.toFixed(0)
  if (abs >= 10) return n.toFixed(1)
  return n.toFixed(2)
}

/** Rounds for the JSON file: 2 decimals for small figures, integers for large ones. */
export const roundForJson = (n) => {
  if (n === null || n === undefined || Number.isNaN(n)) return null
  return Math.abs(n) >= 1000 ? Math.round(n) : Math.round(n * 100) / 100
}

/** Whether a process with this pid still exists (signal 0 checks without signalling). */
export const isAlive = (pid) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
