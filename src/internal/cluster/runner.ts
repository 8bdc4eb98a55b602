/**
 * A runner: a process of the cluster that serves the pool's entity. Each
 * runner runs its calls in its own local `ProcessPool` (so it uses all of its
 * cores), and watches the other runners: one that stops answering is marked
 * unhealthy and its shard locks are freed at once (SQLite store), so that its
 * shards move without waiting for the locks to expire — which lets the locks
 * live long enough for a starved runner to keep its shards.
 */
import * as RunnerHealth from "@effect/cluster/RunnerHealth"
import * as RunnerStorage from "@effect/cluster/RunnerStorage"
import type { SocketServerError } from "@effect/platform/SocketServer"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import { Context, Duration, Effect, Either, Layer, Option } from "effect"
import type { Multiprocessing } from "../../Multiprocessing.js"
import * as ProcessPool from "../../ProcessPool.js"
import * as Serializer from "../../Serializer.js"
import * as Target from "../../Target.js"
import { encodeError } from "../codec/errors.js"
import type { RunnerSettings } from "./config.js"
import { PoolTask, type RunPayload, TaskFailed, type TaskTarget } from "./entity.js"
import * as sharding from "./sharding.js"
import { isPostgres } from "./store.js"

/** The runner's local pool, shared by every entity it serves. */
class RunnerPool extends Context.Tag("effect-multiprocessing/cluster/RunnerPool")<RunnerPool, {
  readonly pool: ProcessPool.Pool
  readonly name: string
}>() {}

const MAX_INLINE = 1024
/** Inline targets by source: the same function object for the same source, so the local pool defines it once. */
const inlineFunctions = new Map<string, Function>()

const inlineFunction = (expression: string): Function => {
  let fn = inlineFunctions.get(expression)
  if (fn === undefined) {
    // The source of a function from an authenticated caller (see docs/cluster.md, "Security"): it is only
    // defined here, and called in the local pool's workers, as a local pool's inline target is.
    fn = new Function(`return (${expression})`)() as Function
    if (inlineFunctions.size >= MAX_INLINE) inlineFunctions.clear()
    inlineFunctions.set(expression, fn)
  }
  return fn
}

const targetOf = (target: TaskTarget): Target.Target =>
  target._tag === "Module" ? Target.moduleExport(target.url, target.exportName) : inlineFunction(target.expression) as Target.AnyFunction

const encodeFailure = (error: unknown, runner: string) =>
  new TaskFailed({ error: Serializer.unknown.encode(encodeError(error)).pipe(Either.getOrElse(() => new Uint8Array())), runner })

/** Runs one message's calls in the local pool: their results encoded, or the first failure encoded. */
const run = (pool: ProcessPool.Pool, name: string, payload: RunPayload): Effect.Effect<Uint8Array, TaskFailed> =>
  Effect.gen(function*() {
    const data = yield* Serializer.unknown.decode(payload.data)
    if (!Array.isArray(data)) return yield* Effect.dieMessage("a task's data must be a list")
    const target = targetOf(payload.target)
    const options = {
      ...(payload.timeoutMs === undefined ? {} : { timeout: Duration.millis(payload.timeoutMs) }),
      ...(payload.softTimeoutMs === undefined ? {} : { softTimeout: Duration.millis(payload.softTimeoutMs) })
    }
    const results: unknown = payload.kind === "apply"
      ? yield* pool.apply(target as Target.Target<Target.AnyFunction>, data as never, options)
      : payload.kind === "map"
      ? yield* pool.map(target as Target.Target<(item: unknown) => unknown>, data, options)
      : yield* pool.starmap(target as Target.Target<Target.AnyFunction>, data as Array<never>, options)
    return yield* Serializer.unknown.encode(results)
  }).pipe(Effect.mapError((error) => encodeFailure(error, name)))

/** The entity's handlers, over the runner's pool. */
const entityLayer = PoolTask.toLayer(
  Effect.gen(function*() {
    const { name, pool } = yield* RunnerPool
    return PoolTask.of({ Run: (request) => run(pool, name, request.payload) })
  }),
  { concurrency: "unbounded", maxIdleTime: Duration.minutes(10) }
)

const addressKey = (address: { readonly host: string; readonly port: number }) => `${address.host}:${address.port}`

/**
 * Checks the other runners every `healthCheckInterval`; one that does not
 * answer is marked unhealthy (every member then moves its shards) and, on
 * SQLite, its shard locks are deleted so that the new owner takes them now.
 * On PostgreSQL the locks are advisory locks of the dead runner's
 * connection, which the server frees when that connection drops.
 */
const watchPeers = (settings: RunnerSettings) =>
  Effect.gen(function*() {
    const storage = yield* RunnerStorage.RunnerStorage
    const health = yield* RunnerHealth.RunnerHealth
    const sql = yield* SqlClient.SqlClient
    const self = addressKey(settings.address)
    const freeLocks = (address: string) =>
      isPostgres(settings.store) ? Effect.void : sql`DELETE FROM cluster_locks WHERE address = ${address}`.pipe(Effect.asVoid)
    const check = Effect.gen(function*() {
      const runners = yield* storage.getRunners
      yield* Effect.forEach(runners, ([runner, healthy]) => {
        const key = addressKey(runner.address)
        if (!healthy || key === self) return Effect.void
        return Effect.flatMap(health.isAlive(runner.address), (alive) =>
          alive ? Effect.void : Effect.zipRight(
            Effect.logInfo(`runner ${key} does not answer: its shards move`),
            Effect.zipRight(storage.setRunnerHealth(runner.address, false), freeLocks(key))
          ))
      }, { concurrency: "unbounded", discard: true })
    })
    yield* check.pipe(
      Effect.catchAllCause((cause) => Effect.logDebug("checking the other runners failed", cause)),
      Effect.delay(settings.healthCheckInterval),
      Effect.forever
    )
  })

/** A runner of the cluster pool: its local pool, its sharding and entity, its watch over the others. */
export const layer = (settings: RunnerSettings): Layer.Layer<never, ProcessPool.MakeError | SocketServerError | SqlError, Multiprocessing> => {
  const pool = Layer.scoped(
    RunnerPool,
    Effect.map(
      ProcessPool.make(Option.match(settings.processes, { onNone: () => ({}), onSome: (processes) => ({ processes }) })),
      (pool) => ({ pool, name: `runner ${addressKey(settings.address)} (pid ${process.pid})` })
    )
  )
  const watch = Layer.scopedDiscard(Effect.forkScoped(watchPeers(settings)))
  return Layer.mergeAll(entityLayer, watch).pipe(
    Layer.provide(pool),
    Layer.provide(sharding.layerRunner(settings))
  )
}
