// workerpool's worker script for bench/pool.js (run as a child process: workerType "process").
// CommonJS, as workerpool's worker side is `require("workerpool").worker({ ... })`.
const workerpool = require("workerpool")

workerpool.worker({ double: (x) => x * 2 })
