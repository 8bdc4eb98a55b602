/**
 * The lock and value rows' own measures (bench/run.js), in whichever backend this process has:
 * shared memory where the addon is loaded, served with EFFECT_MULTIPROCESSING_NATIVE=0. Run as a
 * program (`node bench/sync.js lock-median|value|event|condition|barrier n warmupMs budgetMs`), it prints one figure as JSON:
 * run.js runs it so for the `ours_served` figures beside the shared-memory ones.
 */
import { Barrier, Condition, Event, Lock, Process, RawValue, Value } from "effect-multiprocessing/compat"
import { max, min } from "./harness.js"

// Microseconds per acquire+release, measured in the child after `warmupMs` of the same: each pair
// timed alone (the median is comparable to pipe_pingpong_rtt_us, a median too), and the mean.
const lockTarget = async (lock, warmupMs, n) => {
  const warmUntil = performance.now() + warmupMs
  while (performance.now() < warmUntil) {
    await lock.acquire()
    await lock.release()
  }
  const pairs = []
  const t0 = performance.now()
  for (let i = 0; i < n; i++) {
    const start = performance.now()
    await lock.acquire()
    await lock.release()
    pairs.push(performance.now() - start)
  }
  const mean = ((performance.now() - t0) * 1000) / n
  pairs.sort((a, b) => a - b)
  return { median: pairs[pairs.length >> 1] * 1000, mean }
}

// The blocking form, Python's own: acquireSync()+releaseSync() (shared memory only). One pair is
// too short to time alone (a clock read costs about as much): the mean over `n`, as Python's row.
// The loop is a function of its own, warmed up as it is then timed, so the timed loop runs
// optimized code (a second loop in the same function may start unoptimized).
const lockSyncTarget = (lock, warmupMs, n) => {
  const pairs = (count) => {
    for (let i = 0; i < count; i++) {
      lock.acquireSync()
      lock.releaseSync()
    }
  }
  const warmUntil = performance.now() + warmupMs
  while (performance.now() < warmUntil) pairs(n)
  const t0 = performance.now()
  pairs(n)
  const mean = ((performance.now() - t0) * 1000) / n
  return { median: mean, mean }
}

/**
 * A Lock made here, taken and released `n` times by a child: µs per pair, `{ median, mean }`;
 * `form` "sync" times acquireSync/releaseSync (mean only), "async" await acquire()/release();
 * `startMethod` "thread" makes the child a thread of this process.
 */
export const lockRemote = async (n, warmupMs, form = "async", startMethod = undefined) => {
  const lock = new Lock()
  try {
    const child = new Process({ target: form === "sync" ? lockSyncTarget : lockTarget, args: [lock, warmupMs, n], startMethod })
    child.start()
    const result = await child.result()
    await child.join()
    child.close()
    return result
  } finally {
    lock.close()
  }
}

/** In its maker: the same loop in this process, in batches as the codec rows; µs per pair. */
export const lockLocal = async (warmupMs, budgetMs) => {
  const lock = new Lock()
  const n = 20000
  const warmUntil = performance.now() + warmupMs
  while (performance.now() < warmUntil) {
    await lock.acquire()
    await lock.release()
  }
  let pairs = 0
  const t0 = performance.now()
  while (performance.now() - t0 < budgetMs) {
    for (let i = 0; i < n; i++) {
      await lock.acquire()
      await lock.release()
    }
    pairs += n
  }
  const us = ((performance.now() - t0) * 1000) / pairs
  lock.close()
  return us
}

// Warm-up: the time and at least 3000 increments (a child's first thousand run while V8 still
// compiles them, at several times the steady cost; Python's warm-up of the same time does more).
// Then both children pass a Barrier, and a gate: each adds one to `gate` under its lock and spins
// until it reads 2 (a Barrier's last party runs on while the other is still being woken, which left
// the children's timed parts milliseconds apart: one incremented alone). Elapsed is from the first
// one's start to the last one's end, in wall-clock milliseconds; Python's peer does the same.
const incrementTarget = async (value, gate, warmupMs, n, barrier) => {
  const warmUntil = performance.now() + warmupMs
  for (let i = 0; i < 3000 || performance.now() < warmUntil; i++) await value.withLock(async () => value.set(await value.get()))
  await barrier.wait()
  await gate.withLock(async () => gate.set((await gate.get()) + 1))
  const giveUp = performance.now() + 30_000
  while ((await gate.get()) < 2) if (performance.now() > giveUp) throw new Error("the other child never reached the gate")
  const start = performance.timeOrigin + performance.now()
  for (let i = 0; i < n; i++) await value.withLock(async () => value.set((await value.get()) + 1))
  return [start, performance.timeOrigin + performance.now()]
}

// The same with the blocking form, Python's own `with v.get_lock(): v.value += 1` (shared memory
// only); the loop a function of its own, as lockSyncTarget's.
const incrementSyncTarget = async (value, gate, warmupMs, n, barrier) => {
  const increments = (count, by) => {
    for (let i = 0; i < count; i++) value.withLockSync(() => { value.value += by })
  }
  const warmUntil = performance.now() + warmupMs
  for (let i = 0; i < 3000 || performance.now() < warmUntil; i += 100) increments(100, 0)
  await barrier.wait()
  gate.withLockSync(() => { gate.value += 1 })
  const giveUp = performance.now() + 30_000
  while (gate.value < 2) if (performance.now() > giveUp) throw new Error("the other child never reached the gate")
  const start = performance.timeOrigin + performance.now()
  increments(n, 1)
  return [start, performance.timeOrigin + performance.now()]
}

/**
 * Two children increment a Value made here under its lock at once; µs per increment, warm-up
 * excluded. `form` "sync": withLockSync(() => { value.value += 1 }); "async": await withLock(get, set).
 */
export const valueIncrement = async (n, warmupMs, form = "async") => {
  const value = Value("i", 0)
  const gate = Value("i", 0)
  const barrier = new Barrier(2)
  try {
    const target = form === "sync" ? incrementSyncTarget : incrementTarget
    const children = [0, 1].map(() => new Process({ target, args: [value, gate, warmupMs, n, barrier] }))
    for (const child of children) child.start()
    const spans = []
    for (const child of children) {
      spans.push(await child.result())
      await child.join()
      child.close()
    }
    if ((await value.get()) !== 2 * n) throw new Error(`ours: lost increments: ${await value.get()} != ${2 * n}`)
    const elapsed = max(spans.map(([, end]) => end)) - min(spans.map(([start]) => start))
    return (elapsed * 1000) / (2 * n)
  } finally {
    value.close()
    gate.close()
    barrier.close()
  }
}

// The child answers each ping with a pong; each side clears what it waited for before it answers,
// so the next round's set is always a change.
const eventEcho = async (ping, pong, rounds) => {
  for (let i = 0; i < rounds; i++) {
    await ping.wait()
    await ping.clear()
    await pong.set()
  }
}

/**
 * Microseconds per round trip over two Events made here: this process sets `ping` and waits on
 * `pong`, a child the other way round; `warmupMs` of untimed rounds (at least 1000) first, then `n`
 * timed ones, their mean.
 */
export const eventPingPong = async (n, warmupMs) => {
  const ping = new Event()
  const pong = new Event()
  try {
    const round = async () => {
      await ping.set()
      await pong.wait()
      await pong.clear()
    }
    // The child does as many rounds as this side: the warm-up's count is fixed before the child starts.
    const warm = Math.max(1000, Math.round(warmupMs * 20))
    const child = new Process({ target: eventEcho, args: [ping, pong, warm + n] })
    child.start()
    for (let i = 0; i < warm; i++) await round()
    const t0 = performance.now()
    for (let i = 0; i < n; i++) await round()
    const us = ((performance.now() - t0) * 1000) / n
    await child.join()
    child.close()
    return us
  } finally {
    ping.close()
    pong.close()
  }
}

// The child holds the Condition's lock throughout but while it waits: it waits for its turn (1),
// gives it back (0) and notifies, as many rounds as the parent.
const conditionEcho = async (cond, turn, rounds) => {
  await cond.acquire()
  for (let i = 0; i < rounds; i++) {
    while ((await turn.get()) !== 1) await cond.wait()
    await turn.set(0)
    await cond.notify()
  }
  await cond.release()
}

/**
 * Microseconds per round trip over one Condition made here and a RawValue saying whose turn it is:
 * this process gives the child the turn (1) and notifies, then waits until the turn is back (0);
 * `warmupMs` of untimed rounds (at least 1000) first, then `n` timed ones, their mean.
 */
export const conditionPingPong = async (n, warmupMs) => {
  const cond = new Condition()
  const turn = RawValue("i", 0)
  try {
    const warm = Math.max(1000, Math.round(warmupMs * 20))
    const child = new Process({ target: conditionEcho, args: [cond, turn, warm + n] })
    child.start()
    const rounds = async (count) => {
      for (let i = 0; i < count; i++) {
        await turn.set(1)
        await cond.notify()
        while ((await turn.get()) !== 0) await cond.wait()
      }
    }
    await cond.acquire()
    await rounds(warm)
    const t0 = performance.now()
    await rounds(n)
    const us = ((performance.now() - t0) * 1000) / n
    await cond.release()
    await child.join()
    child.close()
    return us
  } finally {
    cond.close()
    turn.close()
  }
}

const barrierParty = async (barrier, rounds) => {
  for (let i = 0; i < rounds; i++) await barrier.wait()
}

/**
 * Microseconds per pass of a Barrier of 2 parties made here, this process and a child, each waiting
 * on it in a loop; `warmupMs` of untimed passes (at least 1000) first, then `n` timed ones, their mean.
 */
export const barrierPass = async (n, warmupMs) => {
  const barrier = new Barrier(2)
  try {
    const warm = Math.max(1000, Math.round(warmupMs * 20))
    const child = new Process({ target: barrierParty, args: [barrier, warm + n] })
    child.start()
    for (let i = 0; i < warm; i++) await barrier.wait()
    const t0 = performance.now()
    for (let i = 0; i < n; i++) await barrier.wait()
    const us = ((performance.now() - t0) * 1000) / n
    await child.join()
    child.close()
    return us
  } finally {
    barrier.close()
  }
}

if (import.meta.url === new URL(process.argv[1], "file:").href) {
  const [what, n, warmupMs, budgetMs] = process.argv.slice(2)
  const figure = what === "lock-median"
    ? (await lockRemote(Number(n), Number(warmupMs))).median
    : what === "lock-local"
    ? await lockLocal(Number(warmupMs), Number(budgetMs))
    : what === "event"
    ? await eventPingPong(Number(n), Number(warmupMs))
    : what === "condition"
    ? await conditionPingPong(Number(n), Number(warmupMs))
    : what === "barrier"
    ? await barrierPass(Number(n), Number(warmupMs))
    : await valueIncrement(Number(n), Number(warmupMs))
  process.stdout.write(JSON.stringify(figure))
}
