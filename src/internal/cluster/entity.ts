/**
 * The pool's entity: one RPC, `Run`, that carries a batch of calls of one
 * target (a module export, or an inline function as source text) as bytes of
 * the library's codec, and brings back their results the same way, or the
 * first failure as an encoded error (its class and fields, as a task's
 * failure travels from a local worker).
 *
 * Entities are addressed by slot: a call goes to one of `SLOTS` entity ids,
 * which the cluster hashes onto its shards and so onto the runners. An entity
 * serves its calls concurrently (its runner's local pool is what bounds the
 * work), so the slots only spread the calls.
 */
import * as ClusterSchema from "@effect/cluster/ClusterSchema"
import * as Entity from "@effect/cluster/Entity"
import * as Rpc from "@effect/rpc/Rpc"
import { Schema } from "effect"

/** What a task calls: an export of a module every runner can load, or an inline function's source. */
export const TaskTarget = Schema.Union(
  Schema.TaggedStruct("Module", { url: Schema.String, exportName: Schema.String }),
  Schema.TaggedStruct("Inline", { name: Schema.String, expression: Schema.String })
)
export type TaskTarget = typeof TaskTarget.Type

/** One message's work: `apply` (one call, `data` its argument list), `map` (one call per item) or `starmap` (per argument list). */
export const RunPayload = Schema.Struct({
  target: TaskTarget,
  kind: Schema.Literal("apply", "map", "starmap"),
  data: Schema.Uint8ArrayFromSelf,
  /** Hard and soft time limits of each call, milliseconds from its start (the runner's pool enforces them). */
  timeoutMs: Schema.optional(Schema.Number),
  softTimeoutMs: Schema.optional(Schema.Number)
})
export type RunPayload = typeof RunPayload.Type

/** A task's failure on a runner: the error encoded as a local pool's task failure is, and where it happened. */
export class TaskFailed extends Schema.TaggedError<TaskFailed>()("TaskFailed", {
  error: Schema.Uint8ArrayFromSelf,
  runner: Schema.String
}) {}

/** The entity of the cluster pool. */
export const PoolTask = Entity.make("effect-multiprocessing/PoolTask", [
  Rpc.make("Run", { payload: RunPayload, success: Schema.Uint8ArrayFromSelf, error: TaskFailed })
]).annotateRpcs(ClusterSchema.Persisted, false)

/** How many entity ids calls are spread over. */
export const SLOTS = 64

export const slotId = (n: number): string => `slot-${((n % SLOTS) + SLOTS) % SLOTS}`
