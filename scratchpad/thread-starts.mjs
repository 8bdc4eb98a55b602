import { Process } from "effect-multiprocessing/compat"
const N = Number(process.argv[2] ?? 40)
for (let i = 0; i < N; i++) { const p = new Process({ target: () => {}, startMethod: "thread" }); p.start(); await p.join(); p.close() }
