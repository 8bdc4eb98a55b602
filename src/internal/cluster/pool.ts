/**
 * The cluster pool's caller side: calls cut into messages (chunks of items),
 * each sent to an entity slot; results decoded and put back in order;
 * failures decoded into the library's errors.
 */
import type { Runner } from "@effect/cluster/Runner"
import * as RunnerStorage from "@effect/cluster/RunnerStorage"
import * as SqlClient from "@effect/sql/SqlClient"
import { Cause, Deferred, Duration, Effect, Either, Layer, Option, Schedule, Stream } from "effect"
import type * as ClusterPool from "../../ClusterPool.js"
import { AuthenticationError, InputError, Terminated, TimeoutError, ValueError } from "../../Errors.js"
import type { PoolError } from "../../ProcessPool.js"
import * as Serializer from "../../Serializer.js"
import type * as Target from "../../Target.js"
import { decodeError } from "../codec/decodeError.js"
import { targetSpec } from "../process/targetSpec.js"
import { type ClusterSettings, clusterConfigWith } from "./config.js"
import { PoolTask, type RunPayload, slotId, type TaskTarget } from "./entity.js"
import * as sharding from "./sharding.js"
import * as signing from "./signing.js"
import { isPostgres } from "./store.js"

const TypeId: typeof ClusterPool.ClusterPoolTypeId = Symbol.for("effect-multiprocessing/ClusterPool") as never

/** The shared settings: the options given, the rest from the environment. */
const settingsOf = (options: ClusterPool.Options): Effect.Effect<ClusterSettings, ClusterPool.MakeError> =>
  clusterConfigWith({ store: options.store, secret: options.secret, shards: options.shards })

/**
 * Waits until `n` runners are healthy and hold every shard between them (on
 * PostgreSQL, whose shard locks are advisory, until `n` are healthy): read
 * from the store at a gentle pace until then, or `TimeoutError`.
 */
const awaitRunners = (settings: ClusterSettings, n: number, timeout: Duration.DurationInput) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const storage = yield* RunnerStorage.RunnerStorage
    type Runners = Array<readonly [Runner, boolean]>
    const settled: Effect.Effect<Option.Option<Runners>> = Effect.gen(function*() {
      const runners: Runners = (yield* storage.getRunners).filter(([, healthy]) => healthy)
      if (runners.length < n) return Option.none<Runners>()
      if (isPostgres(settings.store)) return Option.some(runners)
      const addresses = runners.map(([runner]) => `${runner.address.host}:${runner.address.port}`)
      const held = yield* sql<{ address: string; shards: number | bigint }>`
        SELECT address, COUNT(*) AS shards FROM cluster_locks WHERE ${sql.in("address", addresses)} GROUP BY address`
      const total = held.reduce((sum, row) => sum + Number(row.shards), 0)
      return held.length >= n && total >= settings.shards ? Option.some(runners) : Option.none<Runners>()
    }).pipe(Effect.catchAll(() => Effect.succeed(Option.none())))
    return yield* settled.pipe(
      Effect.flatMap((found) => Option.isSome(found) ? Effect.succeed(found.value) : Effect.fail("not yet" as const)),
      Effect.retry(Schedule.spaced(Duration.millis(250))),
      Effect.timeoutFail({
        duration: timeout,
        onTimeout: () => "not yet" as const
      }),
      Effect.mapError(() =>
        new TimeoutError({
          message: `fewer than ${n} runner(s) of the cluster at ${settings.store} were ready and held its shards within ${
            Duration.format(Duration.decode(timeout))
          }`
        })
      )
    )
  })

const DEFAULT_CONCURRENCY = 64

/** A message to send again. */
const RESEND = { _tag: "Resend" } as const

/** A defect that says the message did not get through (a socket written after its runner died, a lost runner), not the task's. */
const isTransportFailure = (defect: unknown): boolean => {
  const tag = typeof defect === "object" && defect !== null ? (defect as { _tag?: unknown })._tag : undefined
  return tag === "SocketError" || tag === "RpcClientError" || tag === "RunnerUnavailable" || tag === "EntityNotAssignedToRunner"
}

/** About two messages per slot of `concurrency` (Python gives four per worker; a message to a runner costs more than a task to a local worker). */
const defaultChunksize = (n: number, concurrency: number) => Math.max(1, Math.ceil(n / (concurrency * 2)))

const chunk = <A>(items: ReadonlyArray<A>, size: number): Array<Array<A>> => {
  const chunks: Array<Array<A>> = []
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size))
  return chunks
}

const millis = (duration: Duration.DurationInput | undefined) => duration === undefined ? undefined : Duration.toMillis(Duration.decode(duration))

export const make = (options: ClusterPool.Options = {}): Effect.Effect<ClusterPool.ClusterPool, ClusterPool.MakeError, import("effect").Scope.Scope> =>
  Effect.gen(function*() {
    const settings = yield* settingsOf(options)
    const minRunners = options.minRunners ?? 1
    if (!Number.isInteger(minRunners) || minRunners < 1) {
      return yield* Effect.fail(new ValueError({ message: `minRunners must be a positive integer, got ${minRunners}` }))
    }
    const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      return yield* Effect.fail(new ValueError({ message: `concurrency must be a positive integer, got ${concurrency}` }))
    }
    const context = yield* Layer.build(sharding.layerClient(settings)).pipe(
      Effect.catchAllCause((cause) =>
        Effect.fail(new ValueError({ message: `cannot reach the cluster's store ${settings.store}: ${Cause.pretty(cause)}` }))
      )
    )
    const runners = yield* awaitRunners(settings, minRunners, options.readyTimeout ?? Duration.minutes(2)).pipe(
      Effect.provide(context)
    )
    // The secret is checked once against a runner, so that a wrong one fails here rather than retrying unseen.
    yield* Effect.scoped(signing.connect(runners[0][0].address, settings.secret)).pipe(
      Effect.catchTag("AuthenticationError", Effect.fail),
      Effect.catchAll((error) =>
        Effect.fail(new AuthenticationError({ message: `cannot authenticate with the runner ${runners[0][0].address.host}:${runners[0][0].address.port}: ${String(error)}` }))
      )
    )
    const client = yield* Effect.provide(PoolTask.client, context)
    return makePool(client, concurrency)
  })

type Client = Effect.Effect.Success<typeof PoolTask.client>

const makePool = (client: Client, concurrency: number): ClusterPool.ClusterPool => {
  let next = Math.floor(Math.random() * 1_000_000)
  let closed = false
  const terminated = Deferred.unsafeMake<never, Terminated>(Option.none() as never)

  const refuse = () => closed ? Option.some(new ValueError({ message: "Pool not running" })) : Option.none()

  const decodeResult = (bytes: Uint8Array) => Serializer.unknown.decode(bytes)

  /**
   * One message to a runner: its calls' results, or the first failure as the
   * library's error. The cluster retries a message whose runner it cannot
   * reach; a runner whose connection breaks while the message is being
   * written or answered comes back as a defect of the transport, and the
   * message is sent again (at least once: its tasks may have run).
   */
  const send = (payload: RunPayload): Effect.Effect<unknown, PoolError> =>
    Effect.suspend(() => client(slotId(next++)).Run(payload)).pipe(
      Effect.catchAllDefect((defect) => isTransportFailure(defect) ? Effect.fail(RESEND) : Effect.die(defect)),
      Effect.retry({ while: (error) => error === RESEND, schedule: Schedule.spaced(Duration.millis(200)) }),
      Effect.flatMap(decodeResult),
      Effect.catchTags({
        TaskFailed: (failed) =>
          Effect.fail(
            decodeError(Either.getOrElse(Serializer.unknown.decode(failed.error), () => undefined), 0, failed.runner) as PoolError
          ),
        MailboxFull: (error) => Effect.die(error),
        AlreadyProcessingMessage: (error) => Effect.die(error),
        PersistenceError: (error) => Effect.die(error)
      }),
      Effect.catchIf((error): error is typeof RESEND => error === RESEND, () => Effect.dieMessage("unreachable")),
      Effect.raceFirst(Deferred.await(terminated))
    )

  /** Targets checked once: inline functions by identity and by source (a fresh closure per call has the same source). */
  const checked = new WeakMap<Function, TaskTarget>()
  const checkedSources = new Map<string, TaskTarget>()
  const targetOf = (target: Target.Target): Effect.Effect<TaskTarget, PoolError> => {
    if (typeof target === "function") {
      const known = checked.get(target)
      if (known !== undefined) return Effect.succeed(known)
      const source = `${target.name}\0${Function.prototype.toString.call(target)}`
      const same = checkedSources.get(source)
      if (same !== undefined) {
        checked.set(target, same)
        return Effect.succeed(same)
      }
      return Effect.map(targetSpec(target, "task"), (spec): TaskTarget => {
        const task: TaskTarget = spec._tag === "Module"
          ? { _tag: "Module", url: spec.url, exportName: spec.exportName }
          : { _tag: "Inline", name: spec.name, expression: spec.expression }
        checked.set(target, task)
        if (checkedSources.size >= 1024) checkedSources.clear()
        checkedSources.set(source, task)
        return task
      })
    }
    return Effect.map(targetSpec(target, "task"), (spec): TaskTarget =>
      spec._tag === "Module"
        ? { _tag: "Module", url: spec.url, exportName: spec.exportName }
        : { _tag: "Inline", name: spec.name, expression: spec.expression })
  }

  const limits = (options: ClusterPool.TaskOptions | undefined) => ({
    ...(options?.timeout === undefined ? {} : { timeoutMs: millis(options.timeout) }),
    ...(options?.softTimeout === undefined ? {} : { softTimeoutMs: millis(options.softTimeout) })
  })

  const readItems = (items: Iterable<unknown>): Effect.Effect<Array<unknown>, InputError> =>
    Effect.try({
      try: () => Array.from(items),
      catch: (cause) => new InputError({ message: `the items of the map threw while they were read: ${String(cause)}`, cause })
    })

  /** The messages of a map: the items cut in chunks, each chunk's payload. */
  const messages = (
    kind: "map" | "starmap",
    target: Target.Target,
    items: Iterable<unknown>,
    options: ClusterPool.MapOptions | undefined,
    defaultChunks: (n: number) => number
  ) =>
    Effect.gen(function*() {
      const refused = refuse()
      if (Option.isSome(refused)) return yield* Effect.fail(refused.value)
      const spec = yield* targetOf(target)
      const all = yield* readItems(items)
      const size = options?.chunksize ?? defaultChunks(all.length)
      if (!Number.isInteger(size) || size < 1) {
        return yield* Effect.fail(new ValueError({ message: `chunksize must be a positive integer, got ${size}` }))
      }
      const chunks = chunk(all, size)
      const payloads: Array<RunPayload> = []
      for (const items of chunks) {
        payloads.push({ target: spec, kind, data: yield* Serializer.unknown.encode(items), ...limits(options) })
      }
      return { payloads, sizes: chunks.map((c) => c.length), total: all.length }
    })

  const progressOf = (options: ClusterPool.MapOptions | undefined, total: number) => {
    let done = 0
    return (n: number) =>
      Effect.sync(() => {
        done += n
        options?.progress?.({ done, total })
      })
  }

  const mapAll = (kind: "map" | "starmap", target: Target.Target, items: Iterable<unknown>, options?: ClusterPool.MapOptions) =>
    Effect.gen(function*() {
      const { payloads, sizes, total } = yield* messages(kind, target, items, options, (n) => defaultChunksize(n, concurrency))
      const progress = progressOf(options, total)
      const results = yield* Effect.forEach(
        payloads,
        (payload, i) => Effect.tap(send(payload), () => progress(sizes[i])),
        { concurrency }
      )
      return (results as Array<Array<unknown>>).flat()
    })

  const stream = (ordered: boolean, target: Target.Target, items: Iterable<unknown>, options?: ClusterPool.MapOptions) =>
    Stream.unwrap(Effect.map(messages("map", target, items, options, () => 1), ({ payloads, sizes, total }) => {
      const progress = progressOf(options, total)
      return Stream.fromIterable(payloads.map((payload, i) => [payload, sizes[i]] as const)).pipe(
        Stream.mapEffect(([payload, size]) => Effect.tap(send(payload), () => progress(size)), { concurrency, unordered: !ordered }),
        (results) => Stream.flattenIterables(results as Stream.Stream<Iterable<unknown>, PoolError>)
      )
    }))

  return {
    [TypeId]: TypeId,
    apply: (target, args, options) =>
      Effect.gen(function*() {
        const refused = refuse()
        if (Option.isSome(refused)) return yield* Effect.fail(refused.value)
        const spec = yield* targetOf(target)
        const data = yield* Serializer.unknown.encode(args)
        return yield* send({ target: spec, kind: "apply", data, ...limits(options) })
      }) as never,
    map: (target, items, options) => mapAll("map", target, items, options) as never,
    starmap: (target, items, options) => mapAll("starmap", target, items as Iterable<unknown>, options) as never,
    imap: (target, items, options) => stream(true, target, items, options) as never,
    imapUnordered: (target, items, options) => stream(false, target, items, options) as never,
    close: Effect.sync(() => {
      closed = true
    }),
    terminate: Effect.suspend(() => {
      closed = true
      return Deferred.fail(terminated, new Terminated({ message: "the pool was terminated" }))
    })
  }
}
