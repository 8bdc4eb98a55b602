/**
 * A pool's operations over its scheduler (`scheduler.ts`): arguments encoded
 * (with a Schema when given), inputs cut into chunks, results decoded and put
 * back in order. The compat face runs the per-task path through callbacks
 * (`CallbacksKey`), without a fiber per task.
 */
import { Chunk, Effect, Either, Exit, FiberId, type ParseResult, Schema, Stream, type Tracer } from "effect"
import { pipeArguments } from "effect/Pipeable"
import { type InputError, type SerializationError, ValueError } from "../../Errors.js"
import { Multiprocessing } from "../../Multiprocessing.js"
import type { MakeError, MapEvent, MapOptions, Options, Pool, PoolError, PoolTypeId as TypeId, TaskError, TaskOptions } from "../../ProcessPool.js"
import type * as Target from "../../Target.js"
import { markNotData, POOL_ADVICE } from "../codec/notData.js"
import { CallbacksKey } from "../faces.js"
import { keepingAlive } from "../keepAlive.js"
import { type CallbackSpans, callbackSpans, spanContextOf, streamWithSpan, withSpan } from "../spans.js"
import { availableParallelism } from "node:os"
import { chunksAsRead, chunksReadAhead } from "./chunks.js"
import { type PoolFunction, PoolFunctions } from "./functions.js"
import { Scheduler, type Task, type TaskOutcome } from "./scheduler.js"
import { decodeResult, encodeArgs } from "./taskCodec.js"
import { limitMillis, limitsOf, type TaskLimits } from "./timeLimits.js"
import * as P from "../child/workerChannel.js"

const PoolTypeId: typeof TypeId = Symbol.for("effect-multiprocessing/Pool") as never

/** The span of each task of a map (a chunk of its items), under the map's own. */
const TASK_SPAN = "ProcessPool.task"

/** Chunks an imap keeps submitted and not yet handed on, per worker: enough to keep the workers busy, bounded. */
const IMAP_AHEAD_PER_WORKER = 32

/** How a run of chunks reports: values in order (or as they come), a failed chunk, the end. */
interface ChunkSink<A> {
  readonly onValues: (values: Array<A>) => void
  /**
   * Given: a failed chunk is reported here in its place and the others go on
   * (Python's `IMapIterator`). Not given: the first failure ends the run, and
   * the chunks not yet started are withdrawn (those running finish, as in Python).
   */
  readonly onFailure?: (error: PoolError) => void
  readonly onEnd: (exit: Exit.Exit<void, PoolError | InputError>) => void
}

const positiveWhole = (name: string, value: number | undefined) =>
  value !== undefined && !(Number.isInteger(value) && value >= 1)
    ? new ValueError({ message: `${name} must be a whole number of at least 1, got ${value}` })
    : undefined

export const make = (options: Options = {}): Effect.Effect<Pool, MakeError, Multiprocessing> =>
  Effect.gen(function*() {
    const processes = options.processes ?? availableParallelism()
    const invalid = positiveWhole("processes", processes) ??
      positiveWhole("maxtasksperchild", options.maxtasksperchild) ??
      positiveWhole("maxMemoryPerChild", options.maxMemoryPerChild)
    if (invalid !== undefined) {
      return yield* (processes < 1 && Number.isInteger(processes)
        ? new ValueError({ message: "Number of processes must be at least 1" })
        : invalid)
    }
    const timeoutMs = yield* limitMillis(options.timeout, "timeout")
    const softTimeoutMs = yield* limitMillis(options.softTimeout, "softTimeout")
    const { softTimeout: _soft, timeout: _hard, ...settings } = options
    const core = new Scheduler(yield* Multiprocessing, { ...settings, processes, timeoutMs, softTimeoutMs })
    yield* Effect.tapError(core.workers.start(), () => Effect.sync(() => core.terminate()))
    return new PoolImpl(core)
  })

export const makeScoped = (options?: Options) =>
  Effect.acquireRelease(make(options), (pool) => Effect.zipRight(pool.terminate, Effect.orDie(pool.join)))

class PoolImpl implements Pool {
  readonly [PoolTypeId]: typeof TypeId = PoolTypeId
  private readonly functions = new PoolFunctions()

  constructor(private readonly core: Scheduler) {}

  pipe() {
    return pipeArguments(this, arguments)
  }

  get processes(): number {
    return this.core.workers.size
  }

  get pids(): ReadonlyArray<number> {
    return this.core.workers.pids
  }

  private ready(target: Target.Target): Effect.Effect<PoolFunction, PoolError> {
    return Effect.suspend((): Effect.Effect<PoolFunction, PoolError> => {
      const refusal = this.core.refusal()
      return refusal !== undefined ? Effect.fail(refusal) : this.functions.of(target)
    })
  }

  private decodeOutput<A>(value: unknown, options: TaskOptions<A, any> | undefined): Effect.Effect<A, ParseResult.ParseError> {
    return options?.output === undefined ? Effect.succeed(value as A) : Schema.decodeUnknown(options.output)(value)
  }

  /** What `apply` sends: its function, its arguments encoded, its limits. */
  private prepare(target: Target.Target, args: ReadonlyArray<unknown>, options: TaskOptions<any, any> | undefined) {
    return Effect.gen(this, function*() {
      const limits = yield* limitsOf(options)
      const fn = yield* this.ready(target)
      // Python's `apply(func, args=())`: no arguments given is none, not a crash in the worker.
      const given = args ?? []
      const encoded = options?.input === undefined ? given : yield* Schema.encodeUnknown(options.input)(given)
      return { fn, payload: yield* encodeArgs(encoded, fn), limits }
    })
  }

  // The public overloads (with or without an `input` Schema) share one implementation.
  readonly apply: Pool["apply"] = (
    target: Target.Target,
    args: any,
    options?: TaskOptions<any, any>
  ): Effect.Effect<any, PoolError> =>
    withSpan("ProcessPool.apply", {}, (span) => Effect.gen(this, function*() {
      const { fn, limits, payload } = yield* this.prepare(target, args, options)
      span?.attribute("pool.function", fn.name)
      const bytes = yield* Effect.async<Buffer, TaskError>((resume) => {
        const task = this.core.submit(fn, P.APPLY, payload, limits, (outcome) => {
          if (task.worker !== undefined) span?.attribute("pool.worker.pid", task.worker.handle.pid)
          resume(outcome.ok ? Effect.succeed(outcome.value) : Effect.fail(outcome.error))
        }, span === undefined ? undefined : spanContextOf(span))
        return Effect.sync(() => this.core.cancel([task]))
      })
      return yield* this.decodeOutput(yield* decodeResult(bytes, fn), options)
    }))

  /** `apply` queued now; `onExit` is called once (a failure before queuing, too). Gives how to withdraw it. */
  private applyNow(
    target: Target.Target,
    args: ReadonlyArray<unknown>,
    options: TaskOptions<any, any> | undefined,
    onExit: (exit: Exit.Exit<unknown, PoolError>) => void
  ): () => void {
    // The common case (a function seen before, no options) without running an Effect.
    const known = options === undefined && this.core.refusal() === undefined ? this.functions.known(target) : undefined
    const prepared: Exit.Exit<{ fn: PoolFunction; payload: Uint8Array; limits: TaskLimits }, PoolError> = known !== undefined
      ? Either.match(encodeArgs(args, known), {
        onLeft: (error) => Exit.fail(error),
        onRight: (payload) => Exit.succeed({ fn: known, payload, limits: {} })
      })
      : Effect.runSyncExit(this.prepare(target, args, options))
    if (Exit.isFailure(prepared)) {
      onExit(prepared)
      return () => {}
    }
    const { fn, limits, payload } = prepared.value
    const task = this.core.submit(fn, P.APPLY, payload, limits, (outcome) => {
      if (!outcome.ok) return onExit(Exit.fail(outcome.error))
      const value = decodeResult(outcome.value, fn)
      if (Either.isLeft(value)) return onExit(Exit.fail(value.left))
      onExit(options?.output === undefined ? Exit.succeed(value.right) : Effect.runSyncExit(this.decodeOutput(value.right, options)))
    })
    return () => this.core.cancel([task])
  }

  /** What the compat face finds under `CallbacksKey` (its `PoolCallbacks`): the per-task path with callbacks. */
  readonly [CallbacksKey] = {
    refusal: () => this.core.refusal(),
    apply: this.applyNow.bind(this),
    imap: <A>(ordered: boolean, target: Target.Target, items: Iterable<unknown>, options: MapOptions<A, any> | undefined, sink: ChunkSink<A>) =>
      this.runChunks(P.MAP, ordered, true, target, items, options, sink)
  }

  /**
   * Every map's work, with callbacks: reads and chunks the input, encodes and
   * submits the chunks one by one (the first workers start while the rest are
   * encoded), and reports their results through `sink`. Gives how to withdraw
   * what is outstanding, and whether to stop what already runs (see `Scheduler.cancel`).
   */
  private runChunks<A>(
    mode: number,
    ordered: boolean,
    lazy: boolean,
    target: Target.Target,
    items: Iterable<unknown>,
    options: MapOptions<A, any> | undefined,
    sink: ChunkSink<A>,
    spans?: CallbackSpans
  ): (stopRunning?: boolean) => void {
    const setup = Effect.runSyncExit(Effect.gen(this, function*() {
      const invalid = positiveWhole("chunksize", options?.chunksize)
      if (invalid !== undefined) return yield* invalid
      const limits = yield* limitsOf(options)
      const fn = yield* this.ready(target)
      const source = lazy
        ? chunksAsRead(items, options?.chunksize ?? 1)
        : chunksReadAhead(items, options?.chunksize, this.core.workers.size)
      return { fn, limits, source }
    }))
    if (Exit.isFailure(setup)) {
      sink.onEnd(setup)
      return () => {}
    }
    const { fn, limits, source } = setup.value
    const ahead = lazy ? this.core.workers.size * IMAP_AHEAD_PER_WORKER : Infinity
    /** Tasks submitted and not yet settled, to withdraw when the run ends early, with their spans. */
    const outstanding = new Map<Task, Tracer.Span | undefined>()
    /** Withdraws what is outstanding; their spans end as interrupted. */
    const withdraw = (stopRunning: boolean) => {
      this.core.cancel([...outstanding.keys()], stopRunning)
      if (spans !== undefined) for (const span of outstanding.values()) spans.end(span!, Exit.interrupt(FiberId.none))
      outstanding.clear()
    }
    const arrived = new Map<number, Either.Either<Array<unknown>, PoolError>>()
    let submitted = 0
    let next = 0
    let done = 0
    let inputDone = false
    let ended = false
    const end = (exit: Exit.Exit<void, PoolError | InputError>) => {
      if (ended) return
      ended = true
      source.close()
      if (Exit.isFailure(exit)) withdraw(false)
      sink.onEnd(exit)
    }
    const deliver = (chunk: Either.Either<Array<unknown>, PoolError>) => {
      if (Either.isLeft(chunk)) {
        if (sink.onFailure === undefined) return end(Exit.fail(chunk.left))
        return sink.onFailure(chunk.left)
      }
      done += chunk.right.length
      try {
        options?.progress?.({ done, total: source.total() })
      } catch (error) {
        return end(Exit.die(error))
      }
      if (options?.output === undefined) return sink.onValues(chunk.right as Array<A>)
      const decoded = Effect.runSyncExit(Effect.forEach(chunk.right, (value) => this.decodeOutput(value, options)))
      if (Exit.isFailure(decoded)) return end(decoded)
      sink.onValues(decoded.value)
    }
    const encodeItem = options?.input === undefined ? undefined : Schema.encodeUnknownEither(options.input)
    let first = 0
    /** Reads and submits chunks while fewer than `ahead` are out; ends the run once all are in. */
    const fill = () => {
      while (!ended && !inputDone && submitted - next < ahead) {
        const items = source.next()
        if (items === undefined) {
          inputDone = true
          break
        }
        const chunk = encodeItem === undefined ? Either.right(items) : Either.all(items.map((item) => encodeItem(item)))
        const payload = Either.flatMap(chunk, (values) => encodeArgs(values, fn, { first }))
        if (Either.isLeft(payload)) return end(Exit.fail(payload.left))
        const index = submitted++
        const span = spans?.start({ "pool.function": fn.name, "pool.task.index": index, "pool.task.first": first, "pool.task.size": items.length })
        first += items.length
        const task: Task = this.core.submit(fn, mode, payload.right, limits, (outcome) => {
          outstanding.delete(task)
          if (span !== undefined) {
            spans!.end(span, outcome.ok ? Exit.void : Exit.fail(outcome.error), task.worker && { "pool.worker.pid": task.worker.handle.pid })
          }
          settle(index, outcome)
        }, span === undefined ? undefined : spanContextOf(span))
        outstanding.set(task, span)
      }
      if (inputDone && next === submitted) end(source.error() !== undefined ? Exit.fail(source.error()!) : Exit.void)
    }
    const settle = (index: number, outcome: TaskOutcome) => {
      if (ended) return
      const chunk = outcome.ok ? decodeResult(outcome.value, fn) as Either.Either<Array<unknown>, PoolError> : Either.left(outcome.error)
      if (ordered) {
        arrived.set(index, chunk)
        while (!ended && arrived.has(next)) {
          const first = arrived.get(next)!
          arrived.delete(next++)
          deliver(first)
        }
      } else {
        next++
        deliver(chunk)
      }
      fill()
    }
    fill()
    return (stopRunning = true) => {
      ended = true
      source.close()
      withdraw(stopRunning)
    }
  }

  /** A map's results, in order; a span named `name`, and one per chunk (`ProcessPool.task`) under it. */
  private collect<A>(
    name: string,
    mode: number,
    target: Target.Target,
    items: Iterable<unknown>,
    options: MapOptions<A, any> | undefined
  ): Effect.Effect<Array<A>, PoolError | InputError> {
    return withSpan(name, {}, () => Effect.flatMap(callbackSpans(TASK_SPAN), (spans) =>
      Effect.async<Array<A>, PoolError | InputError>((resume) => {
        const results: Array<A> = []
        const cancel = this.runChunks(mode, true, false, target, items, options, {
          onValues: (values) => {
            for (const value of values) results.push(value)
          },
          onEnd: (exit) => resume(Exit.isSuccess(exit) ? Effect.succeed(results) : Exit.failCause(exit.cause))
        }, spans)
        return Effect.sync(() => cancel())
      })))
  }

  readonly map: Pool["map"] = (target: Target.Target, items: Iterable<unknown>, options?: MapOptions<any, any>) =>
    this.collect("ProcessPool.map", P.MAP, target, items, options)

  readonly starmap: Pool["starmap"] = (target: Target.Target, items: Iterable<unknown>, options?: MapOptions<any, any>) =>
    this.collect("ProcessPool.starmap", P.STARMAP, target, items, options)

  readonly mapWithProgress: Pool["mapWithProgress"] = <A>(target: Target.Target, items: Iterable<unknown>, options?: MapOptions<A, any>) =>
    streamWithSpan("ProcessPool.mapWithProgress", Stream.unwrap(Effect.map(callbackSpans(TASK_SPAN), (spans) =>
      Stream.async<MapEvent<A>, PoolError | InputError>((emit) => {
        const results: Array<A> = []
        return Effect.sync(this.runChunks(P.MAP, true, false, target, items, {
          ...options,
          progress: (progress) => {
            options?.progress?.(progress)
            void emit.single({ _tag: "Progress", ...progress })
          }
        }, {
          onValues: (values) => {
            for (const value of values) results.push(value)
          },
          onEnd: (exit) =>
            void (Exit.isSuccess(exit) ? emit.single({ _tag: "Done", results }).then(() => emit.end()) : emit.halt(exit.cause))
        }, spans))
      }, "unbounded"))))

  private imapMode<A>(
    ordered: boolean,
    target: Target.Target,
    items: Iterable<unknown>,
    options: MapOptions<A, any> | undefined
  ): Stream.Stream<A, PoolError | InputError> {
    return streamWithSpan(ordered ? "ProcessPool.imap" : "ProcessPool.imapUnordered", Stream.unwrap(Effect.map(callbackSpans(TASK_SPAN), (spans) =>
      Stream.async<A, PoolError | InputError>((emit) =>
        Effect.sync(this.runChunks(P.MAP, ordered, true, target, items, options, {
          onValues: (values) => void emit.chunk(Chunk.unsafeFromArray(values)),
          onEnd: (exit) => void (Exit.isSuccess(exit) ? emit.end() : emit.halt(exit.cause))
        }, spans)), "unbounded"))))
  }

  readonly imap: Pool["imap"] = (target: Target.Target, items: Iterable<unknown>, options?: MapOptions<any, any>) =>
    this.imapMode(true, target, items, options)

  readonly imapUnordered: Pool["imapUnordered"] = (target: Target.Target, items: Iterable<unknown>, options?: MapOptions<any, any>) =>
    this.imapMode(false, target, items, options)

  readonly close = Effect.sync(() => this.core.close())

  readonly terminate = Effect.sync(() => this.core.terminate())

  readonly join: Pool["join"] = Effect.suspend(() =>
    this.core.state === "running"
      ? Effect.fail(new ValueError({ message: "Pool is still running: call close() or terminate() before join()" }))
      : keepingAlive(Effect.async<void>((resume) => this.core.workers.whenGone(() => resume(Effect.void))))
  )

  readonly grow: Pool["grow"] = (n) =>
    Effect.suspend((): Effect.Effect<void, PoolError | SerializationError> => {
      const refusal = this.core.refusal()
      if (refusal !== undefined) return Effect.fail(refusal)
      if (!Number.isInteger(n) || n < 1) return Effect.fail(new ValueError({ message: `grow(n) needs a whole n of at least 1, got ${n}` }))
      return Effect.mapError(this.core.workers.grow(n), (error) => error._tag === "ProcessError" ? new ValueError({ message: error.message }) : error)
    })

  readonly shrink: Pool["shrink"] = (n) =>
    Effect.suspend(() => {
      const size = this.core.workers.size
      if (!Number.isInteger(n) || n < 1 || n >= size) {
        return Effect.fail(new ValueError({ message: `shrink(n) needs a whole n from 1 to ${size - 1} (the pool has ${size} workers), got ${n}` }))
      }
      return Effect.sync(() => this.core.shrink(n))
    })

  toString() {
    return `<Pool processes=${this.core.workers.size} state=${this.core.state}>`
  }
}

markNotData(PoolImpl, "a Pool", POOL_ADVICE)
