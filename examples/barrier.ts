// A Barrier (Python's multiprocessing.Barrier) in the compat face: three
// processes work in phases; nobody starts a phase before all have finished the
// last one. The action runs once per phase, in this process.
import { Barrier, Process } from "effect-multiprocessing/compat"

async function worker(barrier: Barrier, id: number) {
  for (let phase = 0; phase < 3; phase++) {
    await new Promise((resolve) => setTimeout(resolve, 10 * (id + 1))) // uneven work
    const index = await barrier.wait()
    if (index === 0) console.log(`phase ${phase}: first to arrive was worker ${id}`)
  }
}

let phase = 0
const barrier = new Barrier(3, { action: () => console.log(`all 3 workers finished phase ${phase++}`) })
const workers = [0, 1, 2].map((id) => new Process({ target: worker, args: [barrier, id] }))
for (const w of workers) w.start()
for (const w of workers) await w.join()
console.log("exit codes", workers.map((w) => w.exitCode).join(" "))
barrier.close()
