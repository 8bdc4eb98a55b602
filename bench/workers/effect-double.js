// @effect/platform worker for bench/pool.js: forked by NodeWorker.layer as a child process
// (child_process.fork, IPC channel), it answers each request x with x * 2 through WorkerRunner.
import * as WorkerRunner from "@effect/platform/WorkerRunner"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeWorkerRunner from "@effect/platform-node/NodeWorkerRunner"
import { Effect, Layer } from "effect"

const WorkerLive = WorkerRunner.layer((x) => Effect.succeed(x * 2)).pipe(Layer.provide(NodeWorkerRunner.layer))

// The runner ends only on the pool's close message; if the parent dies first, stop with it rather
// than live on as an orphan.
process.on("disconnect", () => process.exit(0))

NodeWorkerRunner.launch(WorkerLive).pipe(NodeRuntime.runMain)
