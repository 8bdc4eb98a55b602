/**
 * What every process holds of a Queue, JoinableQueue or SimpleQueue: its
 * operations (operations.ts) called where the queue lives — plain calls in
 * the owner, through the owner's channel elsewhere — with a serializer for the
 * items, and, in another process, a consumer's prefetch (prefetch.ts). A
 * producer's puts to an unbounded queue are posted, gathered per tick into one
 * batch (CPython's feeder thread does the same job); a bounded queue's put is a
 * call, as it may have to wait for room.
 *
 * Items are encoded by the putting process and decoded by the getting one: the
 * owner keeps bytes.
 *
 * Where the native addon is loaded, the items cross a ring in shared memory
 * instead (ringQueue.ts, sharedRing.ts): every process puts and gets there
 * itself, and only what overflows the ring goes through the owner as above.
 * A process that cannot map the ring holds the queue as a served one, which
 * the owner serves on its ring (ringServed.ts).
 */
import { Chunk, Duration, Effect, Either, Exit, Option, type Schema, type Scope, Sink, Stream } from "effect"
import { EOFError, type OwnerGoneError, type SerializationError, type TimeoutError, TypeError, ValueError } from "../../Errors.js"
import type * as Public from "../../ProcessQueue.js"
import type { GetError, PutError, WaitOptions } from "../../ProcessQueue.js"
import * as Serializers from "../../Serializer.js"
import type { Serializer } from "../../Serializer.js"
import { CallbacksKey, operation } from "../faces.js"
import { tracedOperation } from "../spans.js"
import { type Backend, local, PrimitiveTypeId, remote, threadCaller, timeoutToWire } from "../served/backend.js"
import { serve, SharedObject } from "../served/definition.js"
import { flatMap } from "../exitFastPath.js"
import { failWithTimeoutFor } from "../timedWait.js"
import { registerRevival } from "../served/revive.js"
import { catchUp, registerAs, unregister } from "../served/server.js"
import { pack, unpack } from "../wire/itemBatch.js"
import { definition, parseKind } from "./operations.js"
import { MAX_WANT, Prefetch } from "./prefetch.js"
import { QueueCore, type QueueKind } from "./queueCore.js"
import { type Overflow, RingQueue } from "./ringQueue.js"
import { definition as ringServed, RING_SERVED } from "./ringServed.js"
import { SharedRing } from "./sharedRing.js"
import { goneError, ringWaker, wakerFor } from "../native/segment.js"
import { currentIdentity } from "../thisProcess/currentProcess.js"

/** What the typed views of one queue in this process share. */
class Shared {
  /** CPython's `close()` was called here. */
  closed = false
  /** Items taken from the ring and not handed out after all (one before them did not decode): the next gets' first. */
  held: Array<Uint8Array> = []
  /** An item overflowed from here to the owner: `joinThread` waits until it is written. */
  overflowed = false
  constructor(
    /** Items kept for the next gets, in a process that reaches the queue through its owner. */
    readonly prefetch: Prefetch | undefined,
    /** The queue's shared ring: mapped here, or lost (it could not be mapped: its owner closed it or exited); none on the served backend. */
    public ring: RingQueue | "lost" | undefined = undefined
  ) {}
}

/** The other operations of a handle, by symbol: a queue revived by another copy of this library has them too. */
const GetManyKey = Symbol.for("effect-multiprocessing/Queue/getMany")
const WithSerializerKey = Symbol.for("effect-multiprocessing/Queue/withSerializer")

export class QueueHandle<A = unknown, E = never> extends SharedObject implements Public.JoinableQueue<A, E> {
  constructor(
    backend: Backend,
    readonly kind: QueueKind,
    /** Puts wait past this many items; zero or less: no limit. */
    private readonly maxsize: number,
    private readonly serializer: Serializer<A, E>,
    readonly shared: Shared = new Shared(
      backend.isLocal ? undefined : new Prefetch(backend, kind === "JoinableQueue", maxsize > 0)
    )
  ) {
    super(backend, definition.operations)
  }

  /** The same queue, its items encoded and decoded with `serializer` (a Schema's). */
  [WithSerializerKey]<B, E2>(serializer: Serializer<B, E2>): QueueHandle<B, E2> {
    return new QueueHandle(this[PrimitiveTypeId], this.kind, this.maxsize, serializer, this.shared)
  }

  private closedError(): Exit.Exit<never, ValueError> | undefined {
    return this.shared.closed
      ? Exit.fail(new ValueError({ message: `this ${this.kind} is closed in this process (close() was called)` }))
      : undefined
  }

  private misuse(what: string): Exit.Exit<never, ValueError> | undefined {
    return this.kind === "JoinableQueue" ? undefined : Exit.fail(new ValueError({ message: `a ${this.kind} has no ${what}: use a JoinableQueue` }))
  }

  put(item: A, options?: WaitOptions): Effect.Effect<void, PutError<E>> {
    return this.waiting("put", options, (block, timeout) => this.putNow(item, block, timeout))
  }

  private putNow(item: A, block: boolean, timeout: Duration.Duration | undefined): Effect.Effect<void, PutError<E>> {
    const closed = this.closedError()
    if (closed !== undefined) return closed
    const encoded = this.serializer.encode(item)
    if (Either.isLeft(encoded)) return Exit.fail(encoded.left)
    const ring = this.shared.ring
    if (ring !== undefined) return ring === "lost" ? Exit.fail(this.lost()) : ring.put(encoded.right, block, timeout)
    if (this.maxsize <= 0 && this.shared.prefetch !== undefined) return this.gather("putMany", encoded.right)
    return this.call("put", [pack([encoded.right]), block, timeoutToWire(timeout)], "")
  }

  putNowait(item: A): Effect.Effect<void, PutError<E>> {
    return this.put(item, { block: false })
  }

  get(options?: WaitOptions): Effect.Effect<A, GetError<E>> {
    return this.waiting("get", options, (block, timeout) => this.getNow(block, timeout))
  }

  private getNow(block: boolean, timeout: Duration.Duration | undefined): Effect.Effect<A, GetError<E>> {
    const kept = this.shared.closed ? undefined : this.shared.prefetch?.nextKept()
    if (kept !== undefined) return this.handedOut(this.decode(kept))
    const ring = this.shared.ring
    if (ring !== undefined && ring !== "lost" && !this.shared.closed && this.shared.held.length === 0 && (this.shared.prefetch?.size ?? 0) === 0) {
      const item = ring.ring.pop()
      if (item !== undefined) return this.handedOut(this.decode(item))
    }
    return flatMap(this.take(block, timeout, 1), (items) => this.handedOut(this.decode(items[0])))
  }

  /**
   * What the compat face finds under `CallbacksKey`: put and get started at
   * once (an Exit when done at once, as a ring's usually are), without the
   * Effect per call that carries the start, nor a span (the compat face
   * makes none).
   */
  readonly [CallbacksKey] = {
    put: (item: A, options?: WaitOptions): Effect.Effect<void, PutError<E> | ValueError | TimeoutError> =>
      options === undefined
        ? this.putNow(item, true, undefined)
        : this.startWaiting("put", options, (block, timeout) => this.putNow(item, block, timeout)),
    get: (options?: WaitOptions): Effect.Effect<A, GetError<E> | ValueError | TimeoutError> =>
      options === undefined ? this.getNow(true, undefined) : this.startWaiting("get", options, (block, timeout) => this.getNow(block, timeout))
  }

  get getNowait(): Effect.Effect<A, GetError<E>> {
    return this.get({ block: false })
  }

  /** Every item kept here, or else what the owner hands over (at least one): a Stream's chunk. */
  [GetManyKey](): Effect.Effect<Array<A>, GetError<E>> {
    return flatMap(this.take(true, undefined, Infinity), (items) => {
      const out: Array<A> = []
      for (let i = 0; i < items.length; i++) {
        const decoded = this.serializer.decode(items[i])
        if (Either.isRight(decoded)) {
          out.push(decoded.right)
          continue
        }
        // The items before a bad one are handed out now; it fails the next get; those after it stay.
        const rest = items.slice(out.length === 0 ? i + 1 : i)
        if (rest.length > 0) {
          if (this.shared.ring !== undefined) this.shared.held = [...rest, ...this.shared.held]
          else if (this.shared.prefetch === undefined) this.call("putBack", [pack(rest)])
          else this.shared.prefetch.putBack(rest)
        }
        return this.handedOut(out.length === 0 ? Exit.fail(decoded.left) : Exit.succeed(out))
      }
      return this.handedOut(Exit.succeed(out))
    })
  }

  /** What a get gives its caller, once the owner has been told the items are taken (see `acknowledge`). */
  private handedOut<B, E2>(exit: Exit.Exit<B, E2>): Exit.Exit<B, E2> {
    this.shared.prefetch?.acknowledge()
    return exit
  }

  private decode(bytes: Uint8Array): Exit.Exit<A, SerializationError | E> {
    const decoded = this.serializer.decode(bytes)
    return Either.isRight(decoded) ? Exit.succeed(decoded.right) : Exit.fail(decoded.left)
  }

  /** Up to `most` encoded items: from the prefetch in another process, else from the queue itself. */
  private take(block: boolean, timeout: Duration.Duration | undefined, most: number): Effect.Effect<ReadonlyArray<Uint8Array>, GetError<E>> {
    const closed = this.closedError()
    if (closed !== undefined) return closed
    const ring = this.shared.ring
    if (ring !== undefined) {
      if (ring === "lost") return Exit.fail(this.lost())
      // Kept and held items first: they are older than any in the ring (see sharedRing.ts).
      if (this.shared.held.length > 0) return Exit.succeed(this.shared.held.splice(0, most))
      if (this.shared.prefetch !== undefined && this.shared.prefetch.size > 0) return this.shared.prefetch.take(false, undefined, most)
      return ring.take(block, timeout, most)
    }
    if (this.shared.prefetch !== undefined) return this.shared.prefetch.take(block, timeout, most)
    const asked = this.call<Uint8Array, GetError<E>>("get", [most === Infinity ? MAX_WANT : most, block, timeoutToWire(timeout)])
    return flatMap(asked, (batch) => Exit.succeed(unpack(batch)))
  }

  /** Items put and not yet taken: at the owner, and kept by this process for its next gets. */
  get qsize(): Effect.Effect<number, OwnerGoneError> {
    return operation(() => this.size())
  }

  get empty(): Effect.Effect<boolean, OwnerGoneError> {
    return operation(() => flatMap(this.size(), (size) => Exit.succeed(size === 0)))
  }

  private size(): Effect.Effect<number, OwnerGoneError> {
    const ring = this.shared.ring
    if (ring !== undefined) return ring === "lost" ? Exit.fail(this.lost()) : Exit.succeed(ring.ring.size + this.shared.held.length)
    return flatMap(this.call<number, OwnerGoneError>("qsize", [], ""), (size) => Exit.succeed(size + (this.shared.prefetch?.size ?? 0)))
  }

  get full(): Effect.Effect<boolean, OwnerGoneError> {
    const ring = this.shared.ring
    if (ring === undefined) return this.op("full", [], "")
    return operation(() => (ring === "lost" ? Exit.fail(this.lost()) : Exit.succeed(ring.ring.isFull)))
  }

  get end(): Effect.Effect<void, OwnerGoneError> {
    const ring = this.shared.ring
    if (ring === undefined) return this.op("end", [], "")
    // The ring first (puts fail from now on), then the owner's store of what overflowed.
    return operation(() => ring === "lost" ? Exit.fail(this.lost()) : (ring.ring.end(), this.call("end", [], "")))
  }

  get close(): Effect.Effect<void> {
    return Effect.sync(() => {
      if (this.shared.closed) return
      this.shared.closed = true
      this.shared.prefetch?.giveBack()
    })
  }

  get joinThread(): Effect.Effect<void, ValueError> {
    return Effect.suspend(() => {
      if (!this.shared.closed) {
        return Exit.fail(new ValueError({ message: `join_thread() needs the ${this.kind} closed first (call close())` }))
      }
      const ring = this.shared.ring
      const written = () => (ring !== undefined && !this.shared.overflowed ? Exit.void : this.shared.prefetch?.channel.written ?? Exit.void)
      // A ring's backlog first (CPython's join_thread waits for its feeder's buffer): what it sends the owner is then written.
      return ring !== undefined && ring !== "lost" ? Effect.flatMap(ring.fed, written) : written()
    })
  }

  get taskDone(): Effect.Effect<void, ValueError | OwnerGoneError> {
    return operation(() => {
      const ring = this.shared.ring
      if (ring !== undefined) return this.misuse("task_done()") ?? (ring === "lost" ? Exit.fail(this.lost()) : ring.taskDone())
      const prefetch = this.shared.prefetch
      if (prefetch === undefined || prefetch.undone === 0) return this.misuse("task_done()") ?? this.call("taskDone", [1], "")
      // One of ours: it cannot fail at the owner, so it is gathered with the others of this tick.
      prefetch.undone--
      return this.gather("taskDone", undefined, 1, true)
    })
  }

  get join(): Effect.Effect<void, ValueError | EOFError | OwnerGoneError> {
    return operation(() => {
      const ring = this.shared.ring
      if (ring === undefined) return this.misuse("join()") ?? this.call("join", [], "")
      return this.misuse("join()") ?? (ring === "lost" ? Exit.fail(this.lost()) : ring.join())
    })
  }

  /** Why every operation fails when the queue's ring could not be mapped here. */
  private lost(): OwnerGoneError {
    const reference = this[PrimitiveTypeId].reference()
    return goneError(this.kind, parseKind(reference.kind)?.ring ?? reference.id, reference.ownerName)
  }

  /** How the ring reaches the owner's store of what overflowed it. */
  overflow(): Overflow {
    return {
      put: (item) => {
        this.shared.overflowed = true
        return this.gather("putMany", item)
      },
      get: () => {
        if (this.shared.prefetch !== undefined) return flatMap(this.shared.prefetch.take(false, undefined, 1), (items) => Exit.succeed(items[0]))
        return flatMap(this.call<Uint8Array, GetError<never>>("get", [1, false, null]), (batch) => Exit.succeed(unpack(batch)[0]))
      }
    }
  }

  /** The process that serves the queue. */
  private ownerPid(): number {
    const backend = this[PrimitiveTypeId]
    return backend.isLocal ? process.pid : backend.reference().ownerPid
  }

  /**
   * A put or get, with its wait's `block` and limit: a NaN timeout, which would
   * answer at once unnoticed, is refused; a timeout that runs out is a
   * TimeoutError (`Full` or `Empty` with `block: false`). In the Effect face,
   * one that waits (not done at once) has a span, `ProcessQueue.get` … (every
   * kind: the module's name).
   */
  private waiting<B, E2>(
    method: "put" | "get",
    options: WaitOptions | undefined,
    f: (block: boolean, timeout: Duration.Duration | undefined) => Effect.Effect<B, E2>
  ) {
    return tracedOperation(false, () => [`ProcessQueue.${method}`, { "queue.kind": this.kind, "queue.owner.pid": this.ownerPid() }], () => this.startWaiting(method, options, f))
  }

  /** `waiting`'s start: what it does at once. */
  private startWaiting<B, E2>(
    method: "put" | "get",
    options: WaitOptions | undefined,
    f: (block: boolean, timeout: Duration.Duration | undefined) => Effect.Effect<B, E2>
  ): Effect.Effect<B, E2 | ValueError | TimeoutError> {
    const timeout = options?.timeout
    if (typeof timeout === "number" && Number.isNaN(timeout)) {
      return Exit.fail(new ValueError({ message: "timeout must be a duration (omit it to wait without limit), got NaN" }))
    }
    const block = options?.block ?? true
    const limit = timeout === undefined ? undefined : Duration.decode(timeout)
    const waited = f(block, limit)
    return block && limit !== undefined ? failWithTimeoutFor(waited, method === "get" ? "Empty" : "Full", `${this.kind}.${method}`, limit) : waited
  }
}

/** A new queue of this process, served while the Scope is open; when it closes the queue ends, and what waits fails. */
export const make = (kind: QueueKind, options: Public.Options<any, any> | undefined): Effect.Effect<QueueHandle<any, any>, TypeError, Scope.Scope> => {
  const maxsize = options?.maxsize ?? 0
  if (!Number.isSafeInteger(maxsize)) {
    // Python's TypeError: its queue's semaphore takes only an int.
    const got = typeof maxsize === "string" ? `the string ${JSON.stringify(maxsize)}` : String(maxsize)
    return Exit.fail(new TypeError({ message: `maxsize must be an integer (zero or less for no limit), got ${got}` }))
  }
  const bound = kind === "SimpleQueue" ? 0 : maxsize
  const serializer = options?.schema === undefined ? Serializers.unknown : Serializers.schema(options.schema)
  return Effect.acquireRelease(
    Effect.sync(() => {
      const shm = ringWaker()
      if (shm === undefined) return new QueueHandle(local(serve(definition, new QueueCore(kind, bound))), kind, bound, serializer)
      // With a ring, the owner's store is unbounded: it only keeps what overflowed, and the ring counts those against maxsize.
      const ring = SharedRing.make(shm, bound, ringCaller())
      const core = new QueueCore(kind, 0, ring.name, { arrived: () => ring.overflowArrived(), taken: (count) => ring.overflowTaken(count) }, bound)
      const shared = new Shared(undefined)
      const handle = new QueueHandle(local(serve(definition, core)), kind, 0, serializer, shared)
      const queue = new RingQueue(ring, handle.overflow(), kind === "JoinableQueue", kind, currentIdentity().name)
      shared.ring = queue
      // For the processes that cannot map the ring: a served queue over it, beside the store.
      registerAs(handle[PrimitiveTypeId].id + RING_SERVED, serve(ringServed, { kind, maxsize: bound, queue, end: handle.end }))
      return handle
    }),
    // What other processes sent before goes in first; then it ends, and fails what waits (`unregistered`).
    (handle) =>
      Effect.sync(() => {
        catchUp()
        const ring = handle.shared.ring
        if (ring !== undefined && ring !== "lost") {
          ring.ring.shutdown()
          unregister(handle[PrimitiveTypeId].id + RING_SERVED)
        }
        unregister(handle[PrimitiveTypeId].id)
      })
  )
}

/**
 * Who takes a ring's lock: this thread (it never holds it across a wait, so no
 * finer owner is needed). The thread, not the process: threads of one process
 * exclude each other on it, and one that ends holding it is recovered from.
 */
const ringCaller = threadCaller

export const withSchema = <A, I>(queue: Public.SimpleQueue<any, any>, schema: Schema.Schema<A, I, never>): Public.SimpleQueue<A, any> =>
  (queue as QueueHandle)[WithSerializerKey](Serializers.schema(schema))

/** A get's failure once the queue has ended and is empty (by tag: it may come from another copy of the library). */
export const isEndOfQueue = (error: unknown): boolean => (error as { _tag?: unknown } | null)?._tag === "EOFError"

export const toStream = <A, E>(queue: Public.SimpleQueue<A, E>): Stream.Stream<A, Exclude<GetError<E>, EOFError>> =>
  Stream.repeatEffectChunkOption(
    Effect.suspend(() => (queue as QueueHandle<A, E>)[GetManyKey]()).pipe(
      Effect.map(Chunk.unsafeFromArray),
      Effect.mapError((error) => isEndOfQueue(error) ? Option.none() : Option.some(error as Exclude<GetError<E>, EOFError>))
    )
  )

export const toSink = <A, E>(queue: Public.SimpleQueue<A, E>, options?: { readonly end?: boolean }): Sink.Sink<void, A, never, PutError<E>> => {
  const putAll = Sink.forEachChunk((chunk: Chunk.Chunk<A>) => Effect.forEach(chunk, (item) => queue.put(item), { discard: true }))
  return options?.end === true ? Sink.mapEffect(putAll, () => queue.end) : putAll
}

registerRevival("Queue", (reference) => {
  const parsed = parseKind(reference.kind)
  if (parsed === undefined) return undefined
  if (parsed.ring === undefined) return new QueueHandle(remote(reference), parsed.kind, parsed.maxsize, Serializers.unknown)
  const waker = wakerFor(parsed.ring)
  const ring = waker === undefined ? undefined : SharedRing.attach(waker, parsed.ring, ringCaller())
  if (ring === undefined && reference.address !== "") {
    // The ring cannot be mapped here: the queue is the served one its owner runs on the ring (ringServed.ts).
    const served = { ...reference, kind: `${parsed.kind}:${parsed.maxsize}`, id: reference.id + RING_SERVED }
    return new QueueHandle(remote(served), parsed.kind, parsed.maxsize, Serializers.unknown)
  }
  const backend = remote(reference)
  // A bounded queue's overflow is taken one item per get, as on the served backend: kept items would be room its producers lack.
  const shared = new Shared(backend.isLocal ? undefined : new Prefetch(backend, parsed.kind === "JoinableQueue", parsed.maxsize > 0))
  const handle = new QueueHandle(backend, parsed.kind, 0, Serializers.unknown, shared)
  shared.ring = ring === undefined
    ? "lost"
    : new RingQueue(ring, handle.overflow(), parsed.kind === "JoinableQueue", parsed.kind, reference.ownerName)
  return handle
})
