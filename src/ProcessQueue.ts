/**
 * Queues shared across processes: Python's `multiprocessing.Queue`,
 * `JoinableQueue` and `SimpleQueue`. The process that makes one serves it;
 * passed to a child (as a Process argument, over a Connection, inside another
 * queue) it arrives as a proxy. Items are encoded by the process that puts
 * them and decoded by the one that gets them — with a Schema, typed. Where
 * the native addon is loaded, the items cross a ring in shared memory that
 * every process holding the queue maps, and only what overflows it goes
 * through the owner (docs/queues.md); the API and guarantees are the same.
 *
 * Besides CPython's operations, a queue can be ended (`end`): puts fail from
 * then on, and once its items are taken every get fails with `EOFError`, so
 * that consumers and `toStream` finish without a sentinel value.
 *
 * Named `ProcessQueue`, not `Queue`, so that it imports beside effect's own
 * `Queue` module; the compat face keeps Python's names (`Queue`,
 * `JoinableQueue`, `SimpleQueue` from `effect-multiprocessing/compat`).
 *
 * What a queue costs across processes: docs/queues.md.
 *
 * @since 0.1.0
 */
import type { Duration, Effect, ParseResult, Pipeable, Schema, Scope, Sink, Stream } from "effect"
import { dual } from "effect/Function"
import type { Empty, EOFError, Full, OwnerGoneError, SerializationError, TimeoutError, TypeError, ValueError } from "./Errors.js"
import * as internal from "./internal/queue/queueHandle.js"

/**
 * How long a put or get waits.
 *
 * @since 0.1.0
 * @category models
 */
export interface WaitOptions {
  /** Wait (default); false answers at once: `Full` or `Empty` if it cannot. */
  readonly block?: boolean
  /**
   * Wait at most this long (forever without one), then fail with
   * `TimeoutError` (where Python raises `Full` or `Empty`; the compat face
   * does); NaN is a `ValueError`.
   */
  readonly timeout?: Duration.DurationInput
}

/**
 * Why a put fails: `Full` (no room now, with `block: false`), `TimeoutError`
 * (no room within its timeout), `ValueError` (the queue has ended, or is
 * closed here), an item the codec or Schema cannot encode, the owner gone.
 *
 * @since 0.1.0
 * @category errors
 */
export type PutError<E> = Full | TimeoutError | ValueError | SerializationError | OwnerGoneError | E

/**
 * Why a get fails: `Empty` (nothing now, with `block: false`), `TimeoutError`
 * (nothing within its timeout), `EOFError` (the queue has ended and is
 * empty), `ValueError` (closed here), an item that does not decode, the owner gone.
 *
 * @since 0.1.0
 * @category errors
 */
export type GetError<E> = Empty | TimeoutError | EOFError | ValueError | SerializationError | OwnerGoneError | E

/**
 * Python's `SimpleQueue`: put, get, empty and close.
 *
 * @since 0.1.0
 * @category models
 */
export interface SimpleQueue<A = unknown, E = never> extends Pipeable.Pipeable {
  /** Which of the three it is (it travels with the queue). */
  readonly kind: "Queue" | "JoinableQueue" | "SimpleQueue"
  /** Puts `item`, waiting for room in a bounded queue (at most `timeout`: `TimeoutError` then; `Full` at once with `block: false`). */
  readonly put: (item: A, options?: WaitOptions) => Effect.Effect<void, PutError<E>>
  /**
   * Takes the next item, waiting for one (at most `timeout`: `TimeoutError`
   * then; `Empty` at once with `block: false`); `EOFError` once the queue has
   * ended and is empty.
   */
  readonly get: (options?: WaitOptions) => Effect.Effect<A, GetError<E>>
  /** Whether no item is waiting (approximate while other processes put and get, as in Python). */
  readonly empty: Effect.Effect<boolean, OwnerGoneError>
  /**
   * Ends the queue for every process: puts fail from now on, and once the
   * items left are taken every get fails with `EOFError`, so consumers (and
   * `toStream`) finish without a sentinel value.
   */
  readonly end: Effect.Effect<void, OwnerGoneError>
  /**
   * CPython's `close()`: this process puts and gets no more through it; items
   * it kept for its next gets go back to the owner. The queue itself goes on.
   */
  readonly close: Effect.Effect<void>
}

/**
 * A FIFO queue usable from every process it reaches (Python's `multiprocessing.Queue`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Queue<A = unknown, E = never> extends SimpleQueue<A, E> {
  /** Puts `item` if there is room now, else fails with `Full`. */
  readonly putNowait: (item: A) => Effect.Effect<void, PutError<E>>
  /** Takes the next item if there is one now, else fails with `Empty`. */
  readonly getNowait: Effect.Effect<A, GetError<E>>
  /** Items put and not yet taken (approximate while other processes put and get, as in Python). */
  readonly qsize: Effect.Effect<number, OwnerGoneError>
  /** Whether a bounded queue has no room now. */
  readonly full: Effect.Effect<boolean, OwnerGoneError>
  /** CPython's `join_thread()`: after `close`, done once everything this process put has been written to the owner. */
  readonly joinThread: Effect.Effect<void, ValueError>
}

/**
 * A Queue whose consumers mark items done, and whose producers can wait for that.
 *
 * @since 0.1.0
 * @category models
 */
export interface JoinableQueue<A = unknown, E = never> extends Queue<A, E> {
  /** Marks one item taken as done; `ValueError` when called more times than items were put. */
  readonly taskDone: Effect.Effect<void, ValueError | OwnerGoneError>
  /** Waits until every item put has been marked done. */
  readonly join: Effect.Effect<void, ValueError | EOFError | OwnerGoneError>
}

/**
 * How a queue is made.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<A = unknown, I = unknown> {
  /** Puts wait past this many items (CPython's `maxsize`); zero or less, the default: no limit. */
  readonly maxsize?: number
  /** Items are encoded with it on put and decoded on get; a bad item fails with a `ParseError`. */
  readonly schema?: Schema.Schema<A, I, never>
}

/**
 * A new Queue, served while the Scope is open; when it closes the queue ends,
 * and whatever still waits on it fails. A `maxsize` that is no integer is a `TypeError`.
 *
 * Typed two ways: with a `schema`, its items are checked and decoded
 * (`Queue<A, ParseError>`); `ProcessQueue.make<A>()` only declares what your program
 * puts (nothing is checked as items cross).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: {
  <A, I>(options: Options<A, I> & { readonly schema: Schema.Schema<A, I, never> }): Effect.Effect<Queue<A, ParseResult.ParseError>, TypeError, Scope.Scope>
  <A = unknown>(options?: { readonly maxsize?: number; readonly schema?: undefined }): Effect.Effect<Queue<A>, TypeError, Scope.Scope>
} = (options?: Options<any, any>) => internal.make("Queue", options) as never

/**
 * A new JoinableQueue (see `make`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeJoinable: {
  <A, I>(options: Options<A, I> & { readonly schema: Schema.Schema<A, I, never> }): Effect.Effect<JoinableQueue<A, ParseResult.ParseError>, TypeError, Scope.Scope>
  <A = unknown>(options?: { readonly maxsize?: number; readonly schema?: undefined }): Effect.Effect<JoinableQueue<A>, TypeError, Scope.Scope>
} = (options?: Options<any, any>) => internal.make("JoinableQueue", options) as never

/**
 * A new SimpleQueue (see `make`): unbounded.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeSimple: {
  <A, I>(options: { readonly schema: Schema.Schema<A, I, never> }): Effect.Effect<SimpleQueue<A, ParseResult.ParseError>, never, Scope.Scope>
  <A = unknown>(): Effect.Effect<SimpleQueue<A>, never, Scope.Scope>
} = (options?: Options<any, any>) => internal.make("SimpleQueue", { schema: options?.schema }) as never

/**
 * The same queue with its items encoded and decoded by `schema`: how a
 * process that received a queue (untyped: a Schema does not travel) types it.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withSchema: {
  <A, I>(queue: JoinableQueue<any, any>, schema: Schema.Schema<A, I, never>): JoinableQueue<A, ParseResult.ParseError>
  <A, I>(queue: Queue<any, any>, schema: Schema.Schema<A, I, never>): Queue<A, ParseResult.ParseError>
  <A, I>(queue: SimpleQueue<any, any>, schema: Schema.Schema<A, I, never>): SimpleQueue<A, ParseResult.ParseError>
} = internal.withSchema as never

/**
 * The queue's items as a Stream, in chunks of what arrives together; it ends
 * when the queue has ended and is empty (see `end`).
 *
 * @since 0.1.0
 * @category combinators
 */
export const toStream: <A, E>(queue: SimpleQueue<A, E>) => Stream.Stream<A, Exclude<GetError<E>, EOFError>> = internal.toStream

/**
 * A Sink that puts every element on the queue; with `end: true` it ends the
 * queue once the stream is done (leave it off when other producers go on).
 *
 * @since 0.1.0
 * @category combinators
 */
export const toSink: <A, E>(queue: SimpleQueue<A, E>, options?: { readonly end?: boolean }) => Sink.Sink<void, A, never, PutError<E>> =
  internal.toSink

/**
 * Whether `u` is a queue of this library (any of the three kinds).
 *
 * @since 0.1.0
 * @category guards
 */
export const isQueue = (u: unknown): u is SimpleQueue<unknown, unknown> => u instanceof internal.QueueHandle

/**
 * What `put` needs of a queue: a queue that takes items of type `A` (an
 * untyped queue takes any).
 *
 * @since 0.1.0
 * @category models
 */
export type Putter<A, E> = Pick<SimpleQueue<A, E>, "put">

/**
 * `queue.put` as a function: `ProcessQueue.put(queue, item)` or `queue.pipe(ProcessQueue.put(item))`.
 * (To put a queue as the item with options, use the first form: in the second
 * the two read alike.)
 *
 * @since 0.1.0
 * @category combinators
 */
export const put: {
  <A>(item: A, options?: WaitOptions): <E>(self: Putter<A, E>) => Effect.Effect<void, PutError<E>>
  <A, E>(self: SimpleQueue<A, E>, item: NoInfer<A>, options?: WaitOptions): Effect.Effect<void, PutError<E>>
} = dual(
  (args) => args.length >= 2 && isQueue(args[0]),
  <A, E>(self: SimpleQueue<A, E>, item: A, options?: WaitOptions) => self.put(item, options)
)

/**
 * `queue.get` as a function: `ProcessQueue.get(queue)` or `queue.pipe(ProcessQueue.get())`, options as `get`'s.
 *
 * @since 0.1.0
 * @category combinators
 */
export const get: {
  (options?: WaitOptions): <A, E>(self: SimpleQueue<A, E>) => Effect.Effect<A, GetError<E>>
  <A, E>(self: SimpleQueue<A, E>, options?: WaitOptions): Effect.Effect<A, GetError<E>>
} = dual(
  (args) => isQueue(args[0]),
  <A, E>(self: SimpleQueue<A, E>, options?: WaitOptions) => self.get(options)
)

/**
 * `queue.putNowait` as a function: `ProcessQueue.putNowait(queue, item)` or `queue.pipe(ProcessQueue.putNowait(item))`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const putNowait: {
  <A>(item: A): <E>(self: Pick<Queue<A, E>, "putNowait">) => Effect.Effect<void, PutError<E>>
  <A, E>(self: Queue<A, E>, item: NoInfer<A>): Effect.Effect<void, PutError<E>>
} = dual(2, <A, E>(self: Queue<A, E>, item: A) => self.putNowait(item))

/**
 * `queue.getNowait` as a function: `ProcessQueue.getNowait(queue)` or `queue.pipe(ProcessQueue.getNowait)`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const getNowait = <A, E>(self: Queue<A, E>): Effect.Effect<A, GetError<E>> => self.getNowait

/**
 * `queue.taskDone` as a function: `ProcessQueue.taskDone(queue)` or `queue.pipe(ProcessQueue.taskDone)`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const taskDone = <A, E>(self: JoinableQueue<A, E>): Effect.Effect<void, ValueError | OwnerGoneError> => self.taskDone
