// Repro: random owner/child steps on one lent Lock (the flaky property test), many runs, logs the first mismatch.
import { Lock, Pipe, Process } from "effect-multiprocessing/compat"
const lock = new Lock()
const [here, there] = await Pipe()
const child = new Process({
  target: async (lock, conn) => {
    for (let step = await conn.recv(); step !== "stop"; step = await conn.recv()) {
      try {
        if (step === "try") await conn.send(await lock.acquire(false))
        else if (step === "release") await conn.send(await lock.release().then(() => "released", (e) => e.name))
        else {
          let taken = 0
          for (let i = 0; i < 20; i++) if (await lock.acquire(false)) taken += (await lock.release(), 1)
          await conn.send(taken)
        }
      } catch (e) { await conn.send("CHILD-ERROR " + step + " " + e.name + " " + e.message) }
    }
  },
  args: [lock, there]
})
child.start()
there.close()
const run = async (who, step) => {
  if (who === "child") { await here.send(step); return here.recv() }
  if (step === "try") return lock.acquire(false)
  if (step === "release") return lock.release().then(() => "released", (e) => e.name)
  let taken = 0
  for (let i = 0; i < 20; i++) if (await lock.acquire(false)) taken += (await lock.release(), 1)
  return taken
}
const whos = ["owner", "child"], kinds = ["try", "release", "burst"]
const runs = Number(process.argv[2] ?? 300)
let bad = 0
for (let r = 0; r < runs && bad < 3; r++) {
  const n = Math.floor(Math.random() * 31)
  const steps = Array.from({ length: n }, () => [whos[Math.random() * 2 | 0], kinds[Math.random() * 3 | 0]])
  let holder, log = []
  for (const [who, step] of steps) {
    if (step === "release" && holder !== undefined && holder !== who) continue
    const expected = step === "try" ? holder === undefined : step === "release" ? (holder ? "released" : "ValueError") : holder ? 0 : 20
    const got = await run(who, step)
    log.push(`${who} ${step} -> ${JSON.stringify(got)}`)
    if (JSON.stringify(got) !== JSON.stringify(expected)) { bad++; console.log("MISMATCH run", r, "expected", expected, "\n  " + log.join("\n  ")); break }
    if (step === "try" && holder === undefined) holder = who
    if (step === "release") holder = undefined
  }
  if (holder !== undefined) await run(holder, "release")
  const v = await lock.getValue()
  if (v !== 1) { bad++; console.log("value", v, "run", r, "\n  " + log.join("\n  ")) }
}
await here.send("stop")
console.log("child exit", await child.join(), "bad", bad)
process.exit(0)
