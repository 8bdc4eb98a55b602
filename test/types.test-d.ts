/**
 * Types that travel (issue 21): checked by `npm run typecheck` (tsconfig.json includes test/), not run.
 * Each `@ts-expect-error` must stay an error: once a line compiles, the typecheck fails on it (TS2578).
 */
import { Context, Effect, type Layer, type ParseResult, Schema, type Scope, Stream } from "effect"
import { expectTypeOf } from "vitest"
import { type Errors, Event, Lock, Manager, type Multiprocessing, Process, ProcessPool, ProcessQueue, Target } from "effect-multiprocessing"
import type * as compat from "effect-multiprocessing/compat"
import * as mp from "effect-multiprocessing/compat"
import { Value } from "effect-multiprocessing/compat"

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

// --- Pool tasks typed from their `input` Schema: the caller gives its Type, the target takes its Encoded form.
// apply's and starmap's Schema is of the whole argument list (a tuple), map's and imap's of one item.
const dayOfMonth = (iso: string) => Number(iso.slice(8, 10))
const DayArgs = Schema.Tuple(Schema.DateFromString)
expectTypeOf(pool.apply(dayOfMonth, [new Date()], { input: DayArgs })).toEqualTypeOf<Effect.Effect<number, ProcessPool.PoolError>>()
expectTypeOf(pool.pipe(ProcessPool.apply(dayOfMonth, [new Date()], { input: DayArgs }))).toEqualTypeOf<Effect.Effect<number, ProcessPool.PoolError>>()
expectTypeOf(ProcessPool.apply(pool, dayOfMonth, [new Date()], { input: DayArgs })).toEqualTypeOf<Effect.Effect<number, ProcessPool.PoolError>>()
// @ts-expect-error with the Schema, apply takes its Type: a Date, not the string the target takes
pool.apply(dayOfMonth, ["2024-05-06"], { input: DayArgs })
// @ts-expect-error the Schema encodes to a string; this target takes a number
pool.apply(square, [new Date()], { input: DayArgs })
expectTypeOf(pool.map(dayOfMonth, [new Date()], { input: Schema.DateFromString })).toEqualTypeOf<
  Effect.Effect<Array<number>, ProcessPool.PoolError | Errors.InputError>
>()
expectTypeOf(ProcessPool.map(pool, dayOfMonth, [new Date()], { input: Schema.DateFromString })).toEqualTypeOf<
  Effect.Effect<Array<number>, ProcessPool.PoolError | Errors.InputError>
>()
// @ts-expect-error map's Schema is of one item, not an argument list
pool.map(dayOfMonth, [new Date()], { input: DayArgs })
expectTypeOf(pool.imap(dayOfMonth, [new Date()], { input: Schema.DateFromString })).toEqualTypeOf<
  Stream.Stream<number, ProcessPool.PoolError | Errors.InputError>
>()
// The dual imap, imapUnordered and mapStream take the Schema as the methods do.
expectTypeOf(pool.pipe(ProcessPool.imap(dayOfMonth, [new Date()], { input: Schema.DateFromString }))).toEqualTypeOf<
  Stream.Stream<number, ProcessPool.PoolError | Errors.InputError>
>()
expectTypeOf(ProcessPool.imapUnordered(pool, dayOfMonth, [new Date()], { input: Schema.DateFromString })).toEqualTypeOf<
  Stream.Stream<number, ProcessPool.PoolError | Errors.InputError>
>()
// @ts-expect-error with the Schema, imap takes its Type: a Date, not the string the target takes
pool.pipe(ProcessPool.imap(dayOfMonth, ["2024-05-06"], { input: Schema.DateFromString }))
expectTypeOf(Stream.make(new Date()).pipe(ProcessPool.mapStream(pool, dayOfMonth, { input: Schema.DateFromString }))).toEqualTypeOf<
  Stream.Stream<number, ProcessPool.PoolError>
>()
expectTypeOf(ProcessPool.mapStreamUnordered(Stream.make(new Date()), pool, dayOfMonth, { input: Schema.DateFromString })).toEqualTypeOf<
  Stream.Stream<number, ProcessPool.PoolError>
>()
// @ts-expect-error the Schema encodes to a string; this target takes a number
Stream.make(new Date()).pipe(ProcessPool.mapStream(pool, square, { input: Schema.DateFromString }))
const shifted = (iso: string, days: number) => Number(iso.slice(8, 10)) + days
expectTypeOf(pool.starmap(shifted, [[new Date(), 1]], { input: Schema.Tuple(Schema.DateFromString, Schema.Number) })).toEqualTypeOf<
  Effect.Effect<Array<number>, ProcessPool.PoolError | Errors.InputError>
>()
// A Schema.Class: the caller gives instances, the target takes the encoded fields.
expectTypeOf(pool.map((job: { readonly id: number }) => job.id, [new Job({ id: 1 })], { input: Job })).toEqualTypeOf<
  Effect.Effect<Array<number>, ProcessPool.PoolError | Errors.InputError>
>()
// @ts-expect-error the Schema encodes to { id: number }; this target takes { id: string }
pool.map((job: { readonly id: string }) => job.id, [new Job({ id: 1 })], { input: Job })

class Workers extends Context.Tag("Workers")<Workers, ProcessPool.Pool>() {}
expectTypeOf(ProcessPool.layer(Workers)).toEqualTypeOf<Layer.Layer<Workers, ProcessPool.MakeError, Multiprocessing.Multiprocessing>>()

// --- Timed waits of the Effect face fail with TimeoutError; an Event's or Condition's wait is void, a join an exit code.
declare const timedEvent: Event.Event
expectTypeOf(timedEvent.wait("1 second")).toEqualTypeOf<Effect.Effect<void, Errors.OwnerGoneError | Errors.TimeoutError | Errors.TypeError | Errors.ValueError>>()
declare const joined: Process.Process<unknown>
expectTypeOf(joined.join("1 second")).toEqualTypeOf<Effect.Effect<number, Errors.ProcessStateError | Errors.TimeoutError | Errors.ValueError>>()
expectTypeOf(timedEvent.wait("1 second").pipe(Effect.catchTag("TimeoutError", () => Effect.void))).toEqualTypeOf<
  Effect.Effect<void, Errors.OwnerGoneError | Errors.TypeError | Errors.ValueError>
>()

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
// Where Python's name is a function, the compat face exports a type of the same name for what it gives.
export const compatTypeNames = async () => {
  const v: Value<"i"> = await Value("i", 0)
  const a: mp.Array<"d"> = await mp.Array("d", 3)
  const raw: mp.RawArray<"b"> = await mp.RawArray("b", 2)
  const rawValue: mp.RawValue<"d"> = await mp.RawValue("d", 1.5)
  const manager: mp.Manager = await mp.Manager()
  const ends: mp.Pipe<string> = await mp.Pipe<string>()
  const listener: mp.Listener = await mp.Listener()
  const client: mp.Client<number> = await mp.Client<number>(listener.address)
  expectTypeOf(a).toEqualTypeOf<compat.SharedArray<"d">>()
  expectTypeOf(raw).toEqualTypeOf<compat.SharedArray<"b">>()
  expectTypeOf(manager).toEqualTypeOf<compat.SyncManager>()
  expectTypeOf(ends).toEqualTypeOf<[compat.Connection<string>, compat.Connection<string>]>()
  expectTypeOf(listener).toEqualTypeOf<compat.ListenerHandle>()
  expectTypeOf(client).toEqualTypeOf<compat.Connection<number>>()
  // @ts-expect-error a Value of doubles is not a Value of ints
  const wrong: Value<"i"> = rawValue
  return [v, wrong] as const
}
