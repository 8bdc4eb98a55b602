/**
 * Types that travel (issue 21): checked by `npm run typecheck` (tsconfig.json includes test/), not run.
 * Each `@ts-expect-error` must stay an error: once a line compiles, the typecheck fails on it (TS2578).
 */
import { Context, Effect, type Layer, type ParseResult, Schema, type Scope, Stream } from "effect"
import { expectTypeOf } from "vitest"
import { type Errors, Lock, Manager, type Multiprocessing, Process, ProcessPool, ProcessQueue, Target } from "effect-multiprocessing"
import type * as compat from "effect-multiprocessing/compat"

class Job extends Schema.Class<Job>("Job")({ id: Schema.Number }) {}

// --- ProcessQueue.make<A>() and Schema-typed queues
expectTypeOf(ProcessQueue.make<number>()).toEqualTypeOf<Effect.Effect<ProcessQueue.Queue<number>, Errors.TypeError, Scope.Scope>>()
expectTypeOf(ProcessQueue.make()).toEqualTypeOf<Effect.Effect<ProcessQueue.Queue<unknown>, Errors.TypeError, Scope.Scope>>()
expectTypeOf(ProcessQueue.make({ maxsize: 3 })).toEqualTypeOf<Effect.Effect<ProcessQueue.Queue<unknown>, Errors.TypeError, Scope.Scope>>()
expectTypeOf(ProcessQueue.make({ schema: Job })).toEqualTypeOf<
  Effect.Effect<ProcessQueue.Queue<Job, ParseResult.ParseError>, Errors.TypeError, Scope.Scope>
>()
// A schema held in a variable still picks the Schema overload (no excess-property check to lean on).
const options = { schema: Job, maxsize: 2 }
expectTypeOf(ProcessQueue.make(options)).toEqualTypeOf<Effect.Effect<ProcessQueue.Queue<Job, ParseResult.ParseError>, Errors.TypeError, Scope.Scope>>()
expectTypeOf(ProcessQueue.makeJoinable<string>()).toEqualTypeOf<Effect.Effect<ProcessQueue.JoinableQueue<string>, Errors.TypeError, Scope.Scope>>()
expectTypeOf(ProcessQueue.makeSimple<string>()).toEqualTypeOf<Effect.Effect<ProcessQueue.SimpleQueue<string>, never, Scope.Scope>>()

declare const numbers: ProcessQueue.Queue<number>
declare const untyped: ProcessQueue.Queue
declare const jobs: ProcessQueue.Queue<Job, ParseResult.ParseError>
// @ts-expect-error a Queue<number> takes numbers
numbers.put("one")
// @ts-expect-error piped, too
numbers.pipe(ProcessQueue.put("one"))
// @ts-expect-error data-first, too
ProcessQueue.put(numbers, "one")
expectTypeOf(numbers.pipe(ProcessQueue.put(1))).toEqualTypeOf<Effect.Effect<void, ProcessQueue.PutError<never>>>()
expectTypeOf(untyped.pipe(ProcessQueue.put({ any: "thing" }))).toEqualTypeOf<Effect.Effect<void, ProcessQueue.PutError<never>>>()
expectTypeOf(jobs.pipe(ProcessQueue.get())).toEqualTypeOf<Effect.Effect<Job, ProcessQueue.GetError<ParseResult.ParseError>>>()
expectTypeOf(ProcessQueue.get(numbers, { timeout: "1 second" })).toEqualTypeOf<Effect.Effect<number, ProcessQueue.GetError<never>>>()
expectTypeOf(numbers.pipe(ProcessQueue.getNowait)).toEqualTypeOf<Effect.Effect<number, ProcessQueue.GetError<never>>>()

// --- A typed queue's type reaches a child's parameter: the target says what it takes, the parent must give that.
// (The Schema itself does not travel: the child types its handle with `ProcessQueue.withSchema(queue, Job)`.)
const jobTasks = Target.module<{ consume: (queue: ProcessQueue.Queue<Job, ParseResult.ParseError>) => Effect.Effect<Job, unknown> }>("./jobTasks.js")
expectTypeOf(Process.start({ target: jobTasks.consume, args: [jobs] })).toEqualTypeOf<
  Effect.Effect<Process.Process<Job>, Process.StartError, Multiprocessing.Multiprocessing | Scope.Scope>
>()
// @ts-expect-error an untyped queue is not a queue of Jobs
Process.start({ target: jobTasks.consume, args: [untyped] })
// @ts-expect-error nor is a queue of numbers
Process.start({ target: jobTasks.consume, args: [numbers] })
expectTypeOf(ProcessQueue.withSchema(untyped, Job)).toEqualTypeOf<ProcessQueue.Queue<Job, ParseResult.ParseError>>()

// --- Pool: dual combinators and mapStream keep the target's types
declare const pool: ProcessPool.Pool
const square = (x: number) => x * x
expectTypeOf(pool.pipe(ProcessPool.map(square, [1, 2]))).toEqualTypeOf<Effect.Effect<Array<number>, ProcessPool.PoolError | Errors.InputError>>()
expectTypeOf(ProcessPool.map(pool, square, [1, 2])).toEqualTypeOf<Effect.Effect<Array<number>, ProcessPool.PoolError | Errors.InputError>>()
expectTypeOf(ProcessPool.apply(pool, (a: number, b: string) => b.repeat(a), [2, "x"])).toEqualTypeOf<Effect.Effect<string, ProcessPool.PoolError>>()
// @ts-expect-error the arguments are the target's
ProcessPool.apply(pool, (a: number, b: string) => b.repeat(a), ["x", 2])
// @ts-expect-error items are the target's parameter
pool.pipe(ProcessPool.map(square, ["one"]))
expectTypeOf(Stream.make(1, 2).pipe(ProcessPool.mapStream(pool, (x: number) => String(x)))).toEqualTypeOf<
  Stream.Stream<string, ProcessPool.PoolError>
>()
// @ts-expect-error a Stream of strings into a function of numbers
Stream.make("a").pipe(ProcessPool.mapStream(pool, square))

class Workers extends Context.Tag("Workers")<Workers, ProcessPool.Pool>() {}
expectTypeOf(ProcessPool.layer(Workers)).toEqualTypeOf<Layer.Layer<Workers, ProcessPool.MakeError, Multiprocessing.Multiprocessing>>()

// --- Lock.withLock both ways
declare const lock: Lock.Lock
expectTypeOf(Effect.succeed(1).pipe(Lock.withLock(lock))).toEqualTypeOf<Effect.Effect<number, Errors.OwnerGoneError>>()
expectTypeOf(Lock.withLock(Effect.fail("e" as const), lock)).toEqualTypeOf<Effect.Effect<never, "e" | Errors.OwnerGoneError>>()

// --- Manager proxies typed, in both faces
declare const manager: Manager.Manager
const scores = Effect.flatMap(manager.dict<string, number>(), (d) => d.getItem("a"))
expectTypeOf(scores).toEqualTypeOf<Effect.Effect<number, Manager.CreateError | Errors.KeyError | Errors.ValueError | Errors.OwnerGoneError>>()
Effect.flatMap(manager.dict<string, number>(), (d) =>
  // @ts-expect-error values are numbers
  d.setItem("a", "b"))
expectTypeOf(Effect.flatMap(manager.Queue<number>(), (q) => q.get())).toEqualTypeOf<
  Effect.Effect<number, Manager.CreateError | ProcessQueue.GetError<never>>
>()

declare const syncManager: compat.SyncManager
expectTypeOf(syncManager.dict<string, number>()).toEqualTypeOf<Promise<compat.DictProxy<string, number>>>()
expectTypeOf(syncManager.list<string>()).toEqualTypeOf<Promise<compat.ListProxy<string>>>()
expectTypeOf(syncManager.Lock()).toEqualTypeOf<Promise<compat.Lock>>()
expectTypeOf(syncManager.Queue<number>()).toEqualTypeOf<Promise<compat.Queue<number>>>()
expectTypeOf(syncManager.Value("i", 1)).toEqualTypeOf<Promise<compat.SharedValue<"i">>>()
export const compatProxies = async () => {
  const d = await syncManager.dict<string, number>()
  expectTypeOf(await d.getItem("a")).toEqualTypeOf<number>()
  // @ts-expect-error a proxy is not a plain object: `d["k"] = 1` would do nothing, so it does not compile
  d["k"] = 1
  // @ts-expect-error values are numbers
  await d.setItem("k", "one")
  const l = await syncManager.list([1, 2])
  expectTypeOf(await l.getItem(0)).toEqualTypeOf<number>()
}

// --- A documented type name for each compat object
declare const value: compat.Value<"i">
expectTypeOf(value).toEqualTypeOf<compat.SharedValue<"i">>()
