/**
 * Queues shared across processes: Python's `multiprocessing.Queue`,
 * `JoinableQueue` and `SimpleQueue`. The process that makes one serves it;
 * passed to a child (as a Process argument, over a Connection, inside another
 * queue) it arrives as a proxy. Items are encoded by the process that puts
 * them and decoded by the one that gets them — with a Schema, typed.
 *
 * Besides CPython's operations, a queue can be ended (`end`): puts fail from
 * then on, and once its items are taken every get fails with `EOFError`, so
 * that consumers and `toStream` finish without a sentinel value.
 *
 * What a queue costs across processes: docs/queues.md.
 *
 * @since 0.1.0
 */
import { Chunk, Effect, Option, type ParseResult, type Schema, type Scope, Sink, Stream } from "effect"
import type { EOFError, TypeError } from "./Errors.js"
import * as Serializer from "./Serializer.js"
import { PrimitiveTypeId } from "./internal/served/backend.js"
import { type GetError, isEndOfQueue, makeLocal, type PutError, type QueueHandle, type QueueKind } from "./internal/queue/queueHandle.js"

export type { GetError, PutError, WaitOptions } from "./internal/queue/queueHandle.js"

/** A JoinableQueue: a Queue whose consumers mark items done, and whose producers can wait for that. */
export type JoinableQueue<A = unknown, E = never> = QueueHandle<A, E>

/** A FIFO queue usable from every process it reaches (Python's `multiprocessing.Queue`). */
export interface Queue<A = unknown, E = never> extends Omit<QueueHandle<A, E>, "taskDone" | "join" | "unsafeTaskDone" | "unsafeJoin"> {}

/** Python's `SimpleQueue`: put, get, empty and close. */
export interface SimpleQueue<A = unknown, E = never>
  extends Pick<QueueHandle<A, E>, "put" | "get" | "empty" | "close" | "end" | "kind" | "withSerializer" | "unsafeGetMany" | typeof PrimitiveTypeId>
{}

export interface Options<A = unknown, I = unknown> {
  /** Puts wait past this many items (CPython's `maxsize`); zero or less, the default: no limit. */
  readonly maxsize?: number
  /** Items are encoded with it on put and decoded on get; a bad item fails with a `ParseError`. */
  readonly schema?: Schema.Schema<A, I, never>
}


const makeKind = (kind: QueueKind, options: Options<any, any> | undefined) =>
  Effect.acquireRelease(
    Effect.map(makeLocal(kind, options?.maxsize ?? 0), (handle) =>
      options?.schema === undefined ? handle : handle.withSerializer(Serializer.schema(options.schema))),
    (handle) => Effect.sync(() => handle.unsafeShutdown())
  )

/**
 * A new Queue, served while the Scope is open; when it closes the queue ends,
 * and whatever still waits on it fails.
 */
export const make: {
  (options?: { readonly maxsize?: number }): Effect.Effect<Queue, TypeError, Scope.Scope>
  <A, I>(options: Options<A, I> & { readonly schema: Schema.Schema<A, I, never> }): Effect.Effect<Queue<A, ParseResult.ParseError>, TypeError, Scope.Scope>
} = (options?: Options<any, any>) => makeKind("Queue", options) as never

/** A new JoinableQueue (see `make`). */
export const makeJoinable: {
  (options?: { readonly maxsize?: number }): Effect.Effect<JoinableQueue, TypeError, Scope.Scope>
  <A, I>(options: Options<A, I> & { readonly schema: Schema.Schema<A, I, never> }): Effect.Effect<JoinableQueue<A, ParseResult.ParseError>, TypeError, Scope.Scope>
} = (options?: Options<any, any>) => makeKind("JoinableQueue", options) as never

/** A new SimpleQueue (see `make`): unbounded. */
export const makeSimple: {
  (): Effect.Effect<SimpleQueue, never, Scope.Scope>
  <A, I>(options: { readonly schema: Schema.Schema<A, I, never> }): Effect.Effect<SimpleQueue<A, ParseResult.ParseError>, never, Scope.Scope>
} = (options?: Options<any, any>) => Effect.orDie(makeKind("SimpleQueue", options)) as never

/**
 * The same queue with its items encoded and decoded by `schema`: how a
 * process that received a queue (untyped: a Schema does not travel) types it.
 */
export const withSchema: {
  <A, I>(queue: JoinableQueue<any, any>, schema: Schema.Schema<A, I, never>): JoinableQueue<A, ParseResult.ParseError>
  <A, I>(queue: Queue<any, any>, schema: Schema.Schema<A, I, never>): Queue<A, ParseResult.ParseError>
  <A, I>(queue: SimpleQueue<any, any>, schema: Schema.Schema<A, I, never>): SimpleQueue<A, ParseResult.ParseError>
} = (queue: SimpleQueue<any, any>, schema: Schema.Schema<any, any, never>) => queue.withSerializer(Serializer.schema(schema)) as never

/**
 * The queue's items as a Stream, in chunks of what arrives together; it ends
 * when the queue has ended and is empty (see `end`).
 */
export const toStream = <A, E>(
  queue: Pick<QueueHandle<A, E>, "unsafeGetMany">
): Stream.Stream<A, Exclude<GetError<E>, EOFError>> =>
  Stream.repeatEffectChunkOption(
    Effect.suspend(() => queue.unsafeGetMany()).pipe(
      Effect.map(Chunk.unsafeFromArray),
      // By tag: a child's queue may come from another copy of this library (the bootstrap's bundle).
      Effect.mapError((error) => isEndOfQueue(error) ? Option.none() : Option.some(error as Exclude<GetError<E>, EOFError>))
    )
  )

/**
 * A Sink that puts every element on the queue; with `end: true` it ends the
 * queue once the stream is done (leave it off when other producers go on).
 */
export const toSink = <A, E>(
  queue: Pick<QueueHandle<A, E>, "put" | "end">,
  options?: { readonly end?: boolean }
): Sink.Sink<void, A, never, PutError<E>> => {
  const putAll = Sink.forEachChunk((chunk: Chunk.Chunk<A>) => Effect.forEach(chunk, (item) => queue.put(item), { discard: true }))
  return options?.end === true ? Sink.mapEffect(putAll, () => queue.end) : putAll
}
