/**
 * The object every process holds for a Queue, JoinableQueue or SimpleQueue.
 * The owner's puts and gets work on the QueueCore itself, and its other
 * operations are plain calls of the same table other processes reach (`serve`);
 * another process reaches it through the owner's channel, and does not pay a
 * round trip per item:
 *
 * - puts to an unbounded queue are posted, gathered per tick into one batch
 *   (CPython's feeder thread does the same job); a bounded queue's put is a
 *   call, as it may have to wait for room;
 * - a get that finds nothing here asks the owner for up to `want` items and
 *   keeps the rest for its next gets. `want` doubles while this process takes
 *   its items quickly and falls back to one when it does not, so that a slow
 *   consumer holds no more than the item it works on, as in Python;
 * - the owner keeps the items it handed over (leased) until the proxy says, at
 *   the end of each tick, how many it handed out: a process killed meanwhile
 *   loses none of them (they go back to the front, in order);
 * - items kept and not taken go back to the owner when the handle is closed or
 *   the process exits; a process slow to take them (or that stopped) offers
 *   them back, and the owner takes them only if nobody has taken items behind
 *   them since (another consumer that got them would see a producer's items
 *   out of order); otherwise they go back only once this process has clearly
 *   stopped getting (`STOPPED_CHECKS`), not after a pause however long.
 *
 * Items are encoded by the putting process and decoded by the getting one
 * with the handle's Serializer: the owner keeps bytes.
 */
import { Duration, Effect, Either, Exit } from "effect"
import type { Empty, Full, OwnerGoneError, SerializationError } from "../../Errors.js"
import { EOFError, TypeError, ValueError } from "../../Errors.js"
import type { Serializer } from "../../Serializer.js"
import * as Serializers from "../../Serializer.js"
import { flatMap } from "../served/exitFastPath.js"
import { pack, unpack } from "./itemBatch.js"
import { keepingAlive } from "../keepAlive.js"
import { answersAtOnce, type Backend, local, type Primitive, PrimitiveTypeId, processCaller, timeoutFromWire, timeoutToWire } from "../served/backend.js"
import { OWNER_TAKER, QueueCore } from "./queueCore.js"
import { type Channel, channel } from "../served/channel.js"
import { afterCatchUp, catchUp, catchUpOnce, type Client, type Served, unregister } from "../served/server.js"
import { registerRevival } from "../served/revive.js"
import { remote } from "../served/backend.js"

export type QueueKind = "Queue" | "JoinableQueue" | "SimpleQueue"

/** How a queue is named on the wire: its kind and maxsize ("Queue:10"). */
const wireKind = (kind: QueueKind, maxsize: number) => `${kind}:${maxsize}`

/** The kind and maxsize of a queue's wire name; undefined when it names something else. */
export const parseKind = (wire: string): { kind: QueueKind; maxsize: number } | undefined => {
  const match = /^(Queue|JoinableQueue|SimpleQueue):(-?\d+)$/.exec(wire)
  return match === null ? undefined : { kind: match[1] as QueueKind, maxsize: Number(match[2]) }
}

/** A get's failure once the queue has ended and is empty (by tag: it may come from another copy of the library). */
export const isEndOfQueue = (error: unknown): boolean => (error as { _tag?: unknown } | null)?._tag === "EOFError"

/**
 * A get or join answered at once (found nothing, or nothing unfinished) may
 * be missing what another process has posted and the owner not yet read:
 * read it first (see `catchUp`), then look again.
 */
const settled = <A, E>(attempt: () => Effect.Effect<A, E>, block: boolean, timeout?: Duration.Duration) =>
  afterCatchUp(attempt, (first) => Exit.isExit(first) && Exit.isFailure(first) && answersAtOnce(block, timeout))

/**
 * Who takes items, as the owner tells them apart: a proxy (its number in its
 * process) of a process (its connection). Each keeps its own items.
 */
const takers = new WeakMap<Client, Map<number, object>>()
const takerOf = (client: Client | undefined, proxy: unknown): unknown => {
  if (client === undefined) return OWNER_TAKER
  let ofClient = takers.get(client)
  if (ofClient === undefined) takers.set(client, ofClient = new Map())
  const id = typeof proxy === "number" ? proxy : 0
  let taker = ofClient.get(id)
  if (taker === undefined) ofClient.set(id, taker = {})
  return taker
}

const serve = (kind: QueueKind, core: QueueCore): Served => {
  /** Processes that have gone: what is got for them after that is given back at once (see `abandon`), not leased. */
  const goneClients = new WeakSet<Client>()
  return {
    kind: wireKind(kind, core.maxsize),
    unsafeCall: (method, args, _caller, client) => {
      switch (method) {
        case "put": {
          const [batch, block, millis] = args as [Uint8Array, boolean | undefined, number | null | undefined]
          return core.unsafePut(batch, block !== false, timeoutFromWire(millis))
        }
        case "get": {
          const [want, block, millis, proxy] = args as [number, boolean, number | null, number | undefined]
          const timeout = timeoutFromWire(millis)
          const taker = takerOf(client, proxy)
          const got = settled(() => core.unsafeGet(Math.max(1, want), block !== false, timeout, taker), block !== false, timeout)
          if (client === undefined) return got
          // Leased until the proxy says it handed them out: a process killed meanwhile loses none of them.
          return flatMap(got, (batch) => {
            if (!goneClients.has(client)) core.lease(taker, batch)
            return Exit.succeed(batch)
          })
        }
        case "ack":
          core.ack(takerOf(client, args[0]), args[1] as number)
          return Exit.void
        case "offerBack":
          return Exit.succeed(core.offerBack(takerOf(client, args[0]), args[1] as number))
        case "giveBack":
          core.giveBackLeased(takerOf(client, args[0]), args[1] as number)
          return Exit.void
        case "qsize":
          catchUp()
          return Exit.succeed(core.size)
        case "full":
          catchUp()
          return Exit.succeed(core.isFull)
        case "taskDone":
          return core.taskDone(args[0] as number)
        case "join":
          catchUp()
          return core.unsafeJoin()
        case "end":
          catchUp() // puts other processes sent before they asked for the end go in first
          core.end()
          return Exit.void
        default:
          return Exit.fail(new ValueError({ message: `${kind} has no operation ${method}` }))
      }
    },
    // A get that succeeded for a process that has gone: its items go back to the front.
    abandon: (method, _caller, exit) => {
      if (method === "get" && Exit.isSuccess(exit)) core.giveBack(exit.value as Uint8Array)
    },
    // A process gone (killed, perhaps): the items its proxies took and had not handed out go back to the front.
    clientGone: (_pid, client) => {
      if (goneClients.has(client)) return
      goneClients.add(client)
      for (const taker of takers.get(client)?.values() ?? []) core.release(taker)
    }
  }
}

let proxies = 0

/** What one process keeps of a queue it reaches through the owner, shared by its typed views. */
class ProxyState {
  /** Tells this proxy's items apart from those of other proxies of the same queue in this process, at the owner. */
  readonly id = ++proxies
  /** Items the owner handed over and not yet taken. */
  kept: Array<Uint8Array> = []
  next = 0
  /** The owner refused them back: they are taken here (or given back at exit), not offered again. */
  keptRefused = false
  /** How many items the next get asks for. */
  want = 1
  /** When the last batch arrived, its size, and how many items had been handed out then. */
  arrived = 0
  received = 1
  handedAtArrival = 0
  closed = false
  /** Items of a JoinableQueue taken here and not marked done: a `taskDone` for one cannot fail. */
  undone = 0
  /** Items handed out so far, and when the last was (to notice a process that stopped taking them). */
  handedOut = 0
  lastHandOut = 0
  /** Items handed out and not yet acknowledged to the owner; whether that is due at the end of this tick. */
  toAck = 0
  ackQueued = false
  /** Checks in a row, each its own turn of the event loop, that found no item taken since the last. */
  idleChecks = 0
  /** Set while items are kept: gives them back if this process stops taking them. */
  idleCheck: ReturnType<typeof setTimeout> | undefined
  /** Registered with the channel while something is kept or unacknowledged: settles it when the process exits. */
  giveBackAtExit: (() => void) | undefined
  channel: Channel | undefined
}

/**
 * Items kept this long without one being taken go back to the owner, where
 * other consumers can have them: a process that stopped getting (it has what
 * it needed, or works on something else) holds nobody up.
 */
const IDLE_MS = 5

/**
 * Refused items go back regardless once this many idle checks in a row (each
 * `IDLE_MS` apart, each its own turn of the event loop) found none taken: a
 * process that stopped getting must not hold them for ever (another consumer
 * may need them to finish). Not a time since the last get: a process
 * descheduled on a loaded machine sees a long gap at its first check, then
 * takes its items; this one has turned its event loop many times without.
 */
const STOPPED_CHECKS = 40

/** Past this, a process that takes its items quickly asks for no more at once. */
const MAX_WANT = 512
/**
 * A process that took its last batch at less than this many ms per item takes
 * its items quickly. One that takes longer (an item is work) asks for one at a
 * time, and holds nothing another consumer could be working on.
 */
const QUICK_MS = 0.1

export type PutError<E> = Full | ValueError | SerializationError | OwnerGoneError | E
export type GetError<E> = Empty | EOFError | ValueError | SerializationError | OwnerGoneError | E

export class QueueHandle<A = unknown, E = never> implements Primitive {
  readonly [PrimitiveTypeId]: Backend

  constructor(
    backend: Backend,
    readonly kind: QueueKind,
    /** Puts wait past this many items; zero or less: no limit. */
    readonly maxsize: number,
    readonly serializer: Serializer<A, E>,
    /** The state itself, in the owner. */
    protected readonly core: QueueCore | undefined,
    protected readonly state: ProxyState = new ProxyState()
  ) {
    this[PrimitiveTypeId] = backend
  }

  /** The same queue, its items encoded and decoded with `serializer` (a Schema's). */
  withSerializer<B, E2>(serializer: Serializer<B, E2>): QueueHandle<B, E2> {
    return new QueueHandle(this[PrimitiveTypeId], this.kind, this.maxsize, serializer, this.core, this.state)
  }

  protected get backend(): Backend {
    return this[PrimitiveTypeId]
  }

  /** The owner's channel, for a proxy (the same one for the life of this process). */
  private get channel() {
    return (this.state.channel ??= channel(this.backend.reference()))
  }

  protected closedError(): Exit.Exit<never, ValueError> | undefined {
    return this.state.closed
      ? Exit.fail(new ValueError({ message: `this ${this.kind} is closed in this process (close() was called)` }))
      : undefined
  }

  /** CPython's `put(obj, block, timeout)`: `Full` when it would wait and `block` is false, or the timeout ran out. */
  unsafePut(item: A, block = true, timeout?: Duration.Duration): Effect.Effect<void, PutError<E>> {
    const closed = this.closedError()
    if (closed !== undefined) return closed
    const encoded = this.serializer.encode(item)
    if (Either.isLeft(encoded)) return Exit.fail(encoded.left)
    if (this.core !== undefined) {
      catchUpOnce() // after what other processes put before this put was caused
      return keepingAlive(this.core.unsafePut(pack([encoded.right]), block, timeout))
    }
    if (this.maxsize <= 0) return this.channel.gather(this.backend.reference(), "put", encoded.right) as Effect.Effect<void, OwnerGoneError>
    return this.backend.call("put", [pack([encoded.right]), block, timeoutToWire(timeout)], "") as Effect.Effect<void, PutError<E>>
  }

  /** CPython's `get(block, timeout)`: `Empty` when there is nothing and `block` is false, or the timeout ran out. */
  unsafeGet(block = true, timeout?: Duration.Duration): Effect.Effect<A, GetError<E>> {
    const state = this.state
    // The common case of a consumer that keeps up: the next kept item, without a batch of one.
    if (state.next < state.kept.length - 1 && !state.closed) {
      const item = state.kept[state.next++]
      this.handOut(1)
      return this.decode(item)
    }
    return flatMap(this.unsafeTake(block, timeout, 1), (items) => this.decode(items[0]))
  }

  /** Every item kept here, or else what the owner hands over (at least one): a Stream's chunk. */
  unsafeGetMany(block = true, timeout?: Duration.Duration): Effect.Effect<Array<A>, GetError<E>> {
    return flatMap(this.unsafeTake(block, timeout, Infinity), (items) => {
      const out: Array<A> = []
      for (let i = 0; i < items.length; i++) {
        const decoded = this.serializer.decode(items[i])
        if (Either.isRight(decoded)) {
          out.push(decoded.right)
          continue
        }
        // The items before a bad one are handed out now; it fails the next get; those after it stay.
        const rest = items.slice(out.length === 0 ? i + 1 : i)
        if (rest.length > 0) this.putBack(rest)
        return out.length === 0 ? Exit.fail(decoded.left) : Exit.succeed(out)
      }
      return Exit.succeed(out)
    })
  }

  private decode(bytes: Uint8Array): Exit.Exit<A, SerializationError | E> {
    const decoded = this.serializer.decode(bytes)
    return Either.isRight(decoded) ? Exit.succeed(decoded.right) : Exit.fail(decoded.left)
  }

  /** Up to `most` encoded items: kept ones first, else from the owner. */
  private unsafeTake(block: boolean, timeout: Duration.Duration | undefined, most: number): Effect.Effect<ReadonlyArray<Uint8Array>, GetError<E>> {
    const closed = this.closedError()
    if (closed !== undefined) return closed
    const core = this.core
    if (core !== undefined) {
      const want = most === Infinity ? MAX_WANT : most
      catchUpOnce() // items a consumer gave back before this get was caused come first
      return flatMap(keepingAlive(settled(() => core.unsafeGet(want, block, timeout), block, timeout)), (batch) => Exit.succeed(unpack(batch)))
    }
    const state = this.state
    if (state.next < state.kept.length) return Exit.succeed(this.takeKept(most))
    // A bounded queue's items are handed over one at a time: kept ones would be room its producers lack.
    const perItem = (performance.now() - state.arrived) / state.received
    state.want = this.maxsize > 0 ? 1 : perItem < QUICK_MS ? Math.min(state.want * 2, MAX_WANT) : 1
    this.flushAcks()
    // Items that come for a get interrupted meanwhile are kept for the next (they are leased to this proxy).
    const asked = this.backend.call("get", [state.want, block, timeoutToWire(timeout), state.id], processCaller(), (batch) => {
      this.keep(unpack(batch as Uint8Array))
      return undefined
    }) as Effect.Effect<Uint8Array, GetError<E>>
    return flatMap(asked, (batch) => {
      const items = unpack(batch)
      state.arrived = performance.now()
      state.received = items.length
      state.handedAtArrival = state.handedOut
      this.keep(items)
      return Exit.succeed(this.takeKept(most))
    })
  }

  /** Items taken and not handed out after all: first in line again (kept here, or back in the owner's queue). */
  private putBack(items: ReadonlyArray<Uint8Array>): void {
    if (this.kind === "JoinableQueue") this.state.undone -= items.length
    this.state.handedOut -= items.length
    this.state.toAck = Math.max(0, this.state.toAck - items.length)
    if (this.core !== undefined) this.core.giveBack(pack(items))
    else this.keep(items, true)
  }

  private takeKept(most: number): ReadonlyArray<Uint8Array> {
    const state = this.state
    const to = Math.min(state.kept.length, state.next + most)
    const taken = state.next === 0 && to === state.kept.length ? state.kept : state.kept.slice(state.next, to)
    state.next = to
    if (to === state.kept.length) this.keptNone()
    this.handOut(taken.length)
    return taken
  }

  /**
   * Counts items handed out. A process that turns out to take its kept items
   * slowly (an item is real work after all) gives the rest back now, for
   * other consumers, and asks for one at a time from then on.
   */
  private handOut(count: number): void {
    const state = this.state
    state.handedOut += count
    state.lastHandOut = performance.now()
    state.idleChecks = 0
    if (this.core === undefined) {
      state.toAck += count
      if (!state.ackQueued) {
        state.ackQueued = true
        process.nextTick(this.flushAcks)
      }
    }
    if (this.kind === "JoinableQueue") state.undone += count
    // Slow, and for a while (a process descheduled for a moment looks the same: hence an offer).
    const since = state.handedOut - state.handedAtArrival
    const elapsed = state.lastHandOut - state.arrived
    if (state.next < state.kept.length && elapsed > IDLE_MS && elapsed > QUICK_MS * since) {
      state.want = 1
      this.offerBack()
    }
  }

  /**
   * Tells the owner how many of its leased items this proxy handed out (they
   * are taken for good): at the end of the tick, and before anything else
   * this proxy sends. Items handed out in the tick a process is killed in are
   * given to others again.
   */
  private readonly flushAcks = (): void => {
    const state = this.state
    state.ackQueued = false
    if (state.toAck > 0) {
      const posted = this.backend.post("ack", [state.id, state.toAck], "", true)
      state.toAck = 0
      if (!Exit.isExit(posted)) Effect.runFork(Effect.ignore(posted))
    }
    if (state.next >= state.kept.length) this.settledAtExit()
  }

  /** Nothing kept any more: nothing to give back at exit either (once acknowledged). */
  private keptNone(): void {
    const state = this.state
    state.kept = []
    state.next = 0
    state.keptRefused = false
    if (state.toAck === 0) this.settledAtExit()
  }

  private settledAtExit(): void {
    const state = this.state
    if (state.giveBackAtExit !== undefined) {
      this.channel.atExit.delete(state.giveBackAtExit)
      state.giveBackAtExit = undefined
    }
  }

  private keep(items: ReadonlyArray<Uint8Array>, first = false): void {
    const state = this.state
    const rest = state.kept.slice(state.next)
    state.kept = first ? [...items, ...rest] : [...rest, ...items]
    state.next = 0
    if (state.kept.length === 0) return
    if (state.giveBackAtExit === undefined) {
      state.giveBackAtExit = () => this.giveBack()
      this.channel.atExit.add(state.giveBackAtExit)
    }
    if (state.idleCheck === undefined) this.checkIdle()
  }

  /**
   * While items are kept: offered back once none has been taken for
   * `IDLE_MS`; refused, given back after `STOPPED_CHECKS` idle checks in a row.
   */
  private checkIdle(): void {
    const state = this.state
    state.idleCheck = setTimeout(() => {
      state.idleCheck = undefined
      if (state.next >= state.kept.length) return
      const idle = performance.now() - Math.max(state.lastHandOut, state.arrived) >= IDLE_MS
      state.idleChecks = idle ? state.idleChecks + 1 : 0
      if (idle && !state.keptRefused) this.offerBack()
      else if (state.idleChecks >= STOPPED_CHECKS) return this.giveBack()
      this.checkIdle()
    }, IDLE_MS)
    state.idleCheck.unref()
  }

  /**
   * Items kept here offered back to the owner, who takes them only if nobody
   * has taken items behind them since (`offerBack` of QueueCore); refused,
   * they are kept again ahead of anything got meanwhile (the answer comes
   * before that of any later get), and not offered again: someone has
   * taken items behind them, so they are handed out here, or given back
   * when this process closes the queue, exits or has stopped getting.
   */
  private offerBack(): void {
    const state = this.state
    if (state.next >= state.kept.length || state.keptRefused) return
    this.flushAcks()
    const items = state.kept.slice(state.next)
    state.kept = []
    state.next = 0
    const keepAgain = () => {
      this.keep(items, true)
      state.keptRefused = true
    }
    const offered = this.backend.call("offerBack", [state.id, items.length], "", undefined, (taken) => {
      if (taken !== true) keepAgain()
    })
    if (!Exit.isExit(offered)) Effect.runFork(Effect.catchAll(offered, () => Effect.sync(keepAgain)))
    else if (Exit.isFailure(offered)) keepAgain()
  }

  /** Items kept here go back to the owner, in order, ahead of the rest (after the acknowledgement of those handed out). */
  private giveBack(): void {
    const state = this.state
    this.flushAcks()
    if (state.next >= state.kept.length) return
    const count = state.kept.length - state.next
    this.keptNone()
    const posted = this.backend.post("giveBack", [state.id, count], "", true)
    if (!Exit.isExit(posted)) Effect.runFork(Effect.ignore(posted))
  }

  /** Items put and not yet taken: at the owner, and kept by this process for its next gets. */
  unsafeQsize(): Effect.Effect<number, OwnerGoneError> {
    const kept = this.state.kept.length - this.state.next
    return flatMap(this.backend.call("qsize", [], "") as Effect.Effect<number, OwnerGoneError>, (size) => Exit.succeed(size + kept))
  }

  unsafeFull(): Effect.Effect<boolean, OwnerGoneError> {
    return this.backend.call("full", [], "") as Effect.Effect<boolean, OwnerGoneError>
  }

  /** In the owner: ends it, fails what waits, and stops serving it. */
  unsafeShutdown(): void {
    if (this.core === undefined) return
    catchUp()
    this.core.shutdown()
    unregister(this.backend.id)
  }

  /** Ends the queue for every process: see `end` of the Effect face. */
  unsafeEnd(): Effect.Effect<void, OwnerGoneError> {
    return this.backend.call("end", [], "") as Effect.Effect<void, OwnerGoneError>
  }

  /**
   * CPython's `close()`: this process puts and gets no more through it; items
   * it kept go back to the owner, and what it put still leaves (see `joinThread`).
   */
  unsafeClose(): void {
    if (this.state.closed) return
    this.state.closed = true
    if (this.core === undefined) this.giveBack()
  }

  /** CPython's `join_thread()`: after `close`, done once everything this process put has been written to the owner. */
  unsafeJoinThread(): Effect.Effect<void, ValueError> {
    if (!this.state.closed) {
      return Exit.fail(new ValueError({ message: `join_thread() needs the ${this.kind} closed first (call close())` }))
    }
    return this.core === undefined ? this.channel.written : Exit.void
  }

  /** CPython's `task_done()` (JoinableQueue): fails when called more times than items were put. */
  unsafeTaskDone(): Effect.Effect<void, ValueError | OwnerGoneError> {
    if (this.kind !== "JoinableQueue") return Exit.fail(new ValueError({ message: `a ${this.kind} has no task_done(): use a JoinableQueue` }))
    if (this.core !== undefined) return this.core.taskDone(1)
    const state = this.state
    if (state.undone > 0) {
      // One of ours: it cannot fail at the owner, so it is gathered with the others of this tick.
      state.undone--
      return this.channel.gather(this.backend.reference(), "taskDone", undefined, 1, true) as Effect.Effect<void, OwnerGoneError>
    }
    return this.backend.call("taskDone", [1], "") as Effect.Effect<void, ValueError | OwnerGoneError>
  }

  /** CPython's `join()` (JoinableQueue): done once every item put has been marked done. */
  unsafeJoin(): Effect.Effect<void, ValueError | EOFError | OwnerGoneError> {
    if (this.kind !== "JoinableQueue") return Exit.fail(new ValueError({ message: `a ${this.kind} has no join(): use a JoinableQueue` }))
    return this.backend.call("join", [], "") as Effect.Effect<void, EOFError | OwnerGoneError>
  }

  // The Effect face.

  /** Puts `item`, waiting for room in a bounded queue (at most `timeout`; `Full` then, or at once with `block: false`). */
  put(item: A, options?: WaitOptions): Effect.Effect<void, PutError<E>> {
    return withinLimit(options, (timeout) => this.unsafePut(item, options?.block ?? true, timeout))
  }

  /** Puts `item` if there is room now, else fails with `Full`. */
  putNowait(item: A): Effect.Effect<void, PutError<E>> {
    return Effect.suspend(() => this.unsafePut(item, false))
  }

  /** Takes the next item, waiting for one (at most `timeout`; `Empty` then, or at once with `block: false`); `EOFError` once the queue has ended and is empty. */
  get(options?: WaitOptions): Effect.Effect<A, GetError<E>> {
    return withinLimit(options, (timeout) => this.unsafeGet(options?.block ?? true, timeout))
  }

  /** Takes the next item if there is one now, else fails with `Empty`. */
  get getNowait(): Effect.Effect<A, GetError<E>> {
    return Effect.suspend(() => this.unsafeGet(false))
  }

  /** Items put and not yet taken (approximate while other processes put and get, as in Python). */
  get qsize(): Effect.Effect<number, OwnerGoneError> {
    return Effect.suspend(() => this.unsafeQsize())
  }

  get empty(): Effect.Effect<boolean, OwnerGoneError> {
    return Effect.map(this.qsize, (size) => size === 0)
  }

  get full(): Effect.Effect<boolean, OwnerGoneError> {
    return Effect.suspend(() => this.unsafeFull())
  }

  /**
   * Ends the queue for every process: puts fail from now on, and once the
   * items left are taken every get fails with `EOFError`, so consumers (and
   * `toStream`) finish without a sentinel value.
   */
  get end(): Effect.Effect<void, OwnerGoneError> {
    return Effect.suspend(() => this.unsafeEnd())
  }

  /** This process puts and gets no more through this handle (CPython's `close`); the queue itself goes on. */
  get close(): Effect.Effect<void> {
    return Effect.sync(() => this.unsafeClose())
  }

  /** After `close`, done once everything this process put has been written to the owner. */
  get joinThread(): Effect.Effect<void, ValueError> {
    return Effect.suspend(() => this.unsafeJoinThread())
  }

  /** Marks one item taken from a JoinableQueue as done. */
  get taskDone(): Effect.Effect<void, ValueError | OwnerGoneError> {
    return Effect.suspend(() => this.unsafeTaskDone())
  }

  /** Waits until every item put on a JoinableQueue has been marked done. */
  get join(): Effect.Effect<void, ValueError | EOFError | OwnerGoneError> {
    return Effect.suspend(() => this.unsafeJoin())
  }
}

export interface WaitOptions {
  /** Wait (default); false answers at once. */
  readonly block?: boolean
  /** Wait at most this long (forever without one). */
  readonly timeout?: Duration.DurationInput
}

/** A wait's limit; NaN, which would answer at once unnoticed, is refused. */
const durationOf = (options: WaitOptions | undefined): Duration.Duration | undefined | ValueError =>
  options?.timeout === undefined
    ? undefined
    : typeof options.timeout === "number" && Number.isNaN(options.timeout)
    ? new ValueError({ message: "timeout must be a duration (omit it to wait without limit), got NaN" })
    : Duration.decode(options.timeout)

/** `f` with the wait's limit, or the error that refuses it. */
const withinLimit = <A, E>(options: WaitOptions | undefined, f: (timeout: Duration.Duration | undefined) => Effect.Effect<A, E>) =>
  Effect.suspend((): Effect.Effect<A, E | ValueError> => {
    const timeout = durationOf(options)
    return timeout instanceof ValueError ? Exit.fail(timeout) : f(timeout)
  })

/** The state behind each owner-side backend: a queue that comes back to its owner works on it directly. */
const cores = new WeakMap<Backend, QueueCore>()

/** Makes the owner's side: the state and its registration with the resource server. */
export const makeLocal = (kind: QueueKind, maxsize: number): Exit.Exit<QueueHandle, TypeError> => {
  if (!Number.isSafeInteger(maxsize)) {
    // Python's TypeError: its queue's semaphore takes only an int.
    const got = typeof maxsize === "string" ? `the string ${JSON.stringify(maxsize)}` : String(maxsize)
    return Exit.fail(new TypeError({ message: `maxsize must be an integer (zero or less for no limit), got ${got}` }))
  }
  const core = new QueueCore(kind === "SimpleQueue" ? 0 : maxsize)
  const backend = local(serve(kind, core))
  cores.set(backend, core)
  return Exit.succeed(new QueueHandle(backend, kind, core.maxsize, Serializers.unknown, core))
}

/** A proxy for a queue another process serves (or the owner's own handle, when it comes back home). */
export const makeRemote = (backend: Backend, kind: QueueKind, maxsize: number): QueueHandle =>
  new QueueHandle(backend, kind, maxsize, Serializers.unknown, cores.get(backend))

registerRevival("Queue", (reference) => {
  const parsed = parseKind(reference.kind)
  return parsed === undefined ? undefined : makeRemote(remote(reference), parsed.kind, parsed.maxsize)
})
