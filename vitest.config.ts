import { fileURLToPath } from "node:url"
import { configDefaults, defineConfig } from "vitest/config"

// Tests import the package by name and get the build (`npm test` builds first): the
// same JavaScript users run, and the same child bootstrap.
const dist = (file: string) => fileURLToPath(new URL(`./dist/${file}`, import.meta.url))

// What runs the documentation: every snippet of docs/ and the README, and every example.
const docs = ["test/docs/*.test.ts", "test/examples/*.test.ts"]

// The primitives with two backends: "core" runs them on shared memory (where the native addon is
// built; a queue's items then cross its shared ring), "served" again with it disabled (children
// inherit the environment). What only the served
// backend has (leases) runs in "served" alone.
const twoBackends = [
  "test/Lock.test.ts",
  "test/LockSync.test.ts",
  "test/Semaphore.test.ts",
  "test/Condition.test.ts",
  "test/Event.test.ts",
  "test/Barrier.test.ts",
  "test/SharedValue.test.ts",
  "test/timedWaits.test.ts",
  "test/ProcessQueue.test.ts",
  // The primitives made for threads: in shared memory with the addon, in the threads' own memory without it.
  "test/threadMemory.test.ts"
]
// The primitives' suites that also run under the "thread" start method without the addon ("threads"): two, to keep
// the run short (Event, Barrier and Value between threads are in test/threadMemory.test.ts and the examples; Event's
// suite hands a Pipe end to a child, which a thread cannot take without the addon).
const onThreads = ["test/Condition.test.ts", "test/Semaphore.test.ts"]
const servedOnly = ["test/internal/lock/lease.test.ts"]
// Receives that wait for a reply: in the kernel where the addon is built ("core"), in the event loop
// without it ("served" runs these again with it disabled).
const twoWaits = ["test/internal/wire/kernelWait.test.ts", "test/Pipe.test.ts"]

export default defineConfig({
  resolve: {
    alias: [
      { find: /^effect-multiprocessing\/compat$/, replacement: dist("compat/index.js") },
      { find: /^effect-multiprocessing\/cluster$/, replacement: dist("cluster.js") },
      { find: /^effect-multiprocessing$/, replacement: dist("index.js") }
    ]
  },
  test: {
    globalSetup: ["test/support/runTmpdir.ts"],
    setupFiles: ["test/support/noLeaks.ts"],
    // A hang guard, not a measure: a test that starts a few children one after the other (each loads
    // effect, ~1 s of CPU) passed 30 s on a machine busy with other work while doing nothing wrong.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores, but a test file spends much of its time waiting on its child processes (a spawn, a
    // handshake, a timeout running out): with two files at a time the cores sat idle about half the
    // run; four keep them busy.
    maxWorkers: 4,
    minWorkers: 1,
    // `npm run test:core` (the library), `npm run test:served` (the primitives on the served backend) and
    // `npm run test:docs` (docs and examples), and "threads" (two primitive suites under the "thread" start method
    // without the addon: `vitest run --project threads`); `npm test` runs them all.
    projects: [
      { extends: true, test: { name: "core", include: ["test/**/*.test.ts"], exclude: [...configDefaults.exclude, ...docs, ...servedOnly] } },
      { extends: true, test: { name: "served", include: [...twoBackends, ...servedOnly, ...twoWaits], env: { EFFECT_MULTIPROCESSING_NATIVE: "0" } } },
      { extends: true, test: { name: "docs", include: docs } },
      // The primitives' own suites once more with the "thread" start method and no addon: made for threads, they live in
      // the threads' memory (a SharedArrayBuffer), and every child is a thread.
      {
        extends: true,
        test: {
          name: "threads",
          include: onThreads,
          setupFiles: ["test/support/noLeaks.ts", "test/support/threadStartMethod.ts"],
          env: { EFFECT_MULTIPROCESSING_NATIVE: "0" }
        }
      }
    ]
  }
})
