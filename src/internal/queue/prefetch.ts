/**
 * A consumer's prefetch: how a process that reaches a queue through its owner
 * gets items without a round trip per item. A plug-in of the queue's holder
 * (queueHandle.ts), shared by its typed views:
 *
 * - a get that finds nothing kept here asks the owner for up to `want` items
 *   and keeps the rest for its next gets. `want` doubles while this process
 *   takes its items quickly and falls back to one when it does not, so that a
 *   slow consumer holds no more than the item it works on, as in Python;
 * - the owner keeps the items it handed over (leased) until this says how
 *   many it handed out (`ack`), written to the socket before a get's item
 *   reaches its caller: a process killed meanwhile loses none of the items
 *   its gets did not return, and none that they did comes again elsewhere
 *   (the rest go back to the front, in order);
 * - while this proxy holds items leased, the owner serves no other consumer
 *   (queueCore.ts): nobody takes items behind them, so whenever they go back
 *   to the front, whoever gets them next sees each producer's items in order
 *   (Python's promise), and a process killed with items kept breaks no order;
 * - so what is kept goes back soon once this process stops taking it: when
 *   none has been taken for `IDLE_MS` (checked on the event loop), when an
 *   item turns out to be slow (at the next get), when the handle is closed,
 *   and when the process exits. Other consumers wait at most that long — or,
 *   behind a process busy in synchronous code with a batch kept, until it
 *   turns its event loop or takes its next item. Batches grow only while
 *   items are taken quickly, so a consumer whose items are work holds one.
 */
import { type Duration, Effect, Exit } from "effect"
import type { GetError } from "../../ProcessQueue.js"
import { type Backend, processCaller, timeoutToWire } from "../served/backend.js"
import { type Channel, channel } from "../served/channel.js"
import { flatMap } from "../exitFastPath.js"
import { unpack } from "../wire/itemBatch.js"

/**
 * Items kept this long without one being taken go back to the owner, where
 * other consumers can have them: a process that stopped getting (it has what
 * it needed, or works on something else) holds nobody up.
 */
const IDLE_MS = 5

/** Past this, a process that takes its items quickly asks for no more at once. */
export const MAX_WANT = 512
/**
 * A process that took its last batch at less than this many ms per item takes
 * its items quickly. One that takes longer (an item is work) asks for one at a
 * time, and holds nothing another consumer could be working on.
 */
const QUICK_MS = 0.1

let proxies = 0

export class Prefetch {
  /** Tells this proxy's items apart from those of other proxies of the same queue in this process, at the owner. */
  private readonly id = ++proxies
  /** Items the owner handed over and not yet taken. */
  private kept: Array<Uint8Array> = []
  private next = 0
  /** How many items the next get asks for. */
  private want = 1
  /** When the last batch arrived, its size, and how many items had been handed out then. */
  private arrived = 0
  private received = 1
  private handedAtArrival = 0
  /** Items of a JoinableQueue taken here and not marked done: a `taskDone` for one cannot fail. */
  undone = 0
  /** Items handed out so far, and when the last was (to notice a process that stopped taking them). */
  private handedOut = 0
  private lastHandOut = 0
  /** Items handed out and not yet acknowledged to the owner. */
  private toAck = 0
  /** Set while items are kept: gives them back if this process stops taking them. */
  private idleCheck: ReturnType<typeof setTimeout> | undefined
  /** Registered with the channel while something is kept or unacknowledged: settles it when the process exits. */
  private giveBackAtExit: (() => void) | undefined
  private ownerChannel: Channel | undefined

  constructor(
    private readonly backend: Backend,
    /** A JoinableQueue's items count as undone once handed out. */
    private readonly joinable: boolean,
    /** A bounded queue's items are handed over one at a time: kept ones would be room its producers lack. */
    private readonly bounded: boolean
  ) {}

  /** The owner's channel (the same one for the life of this process). */
  get channel(): Channel {
    return (this.ownerChannel ??= channel(this.backend.reference()))
  }

  /** Items kept here for the next gets. */
  get size(): number {
    return this.kept.length - this.next
  }

  /** The common case of a consumer that keeps up: the next kept item when more are kept behind it, without a batch of one. */
  nextKept(): Uint8Array | undefined {
    if (this.next >= this.kept.length - 1) return undefined
    const item = this.kept[this.next++]
    this.handOut(1)
    return item
  }

  /** Up to `most` encoded items: kept ones first, else from the owner. */
  take<E>(block: boolean, timeout: Duration.Duration | undefined, most: number): Effect.Effect<ReadonlyArray<Uint8Array>, GetError<E>> {
    if (this.next < this.kept.length) return Exit.succeed(this.takeKept(most))
    const perItem = (performance.now() - this.arrived) / this.received
    this.want = this.bounded ? 1 : perItem < QUICK_MS ? Math.min(this.want * 2, MAX_WANT) : 1
    this.acknowledge()
    // Items that come for a get interrupted meanwhile are kept for the next (they are leased to this proxy).
    const asked = this.backend.call("get", [this.want, block, timeoutToWire(timeout), this.id], processCaller(), (batch) => {
      this.keep(unpack(batch as Uint8Array))
      return undefined
    }) as Effect.Effect<Uint8Array, GetError<E>>
    return flatMap(asked, (batch) => {
      const items = unpack(batch)
      this.arrived = performance.now()
      this.received = items.length
      this.handedAtArrival = this.handedOut
      this.keep(items)
      return Exit.succeed(this.takeKept(most))
    })
  }

  /** Items taken and not handed out after all (one did not decode): first in line again. */
  putBack(items: ReadonlyArray<Uint8Array>): void {
    if (this.joinable) this.undone -= items.length
    this.handedOut -= items.length
    this.toAck = Math.max(0, this.toAck - items.length)
    this.keep(items, true)
  }

  private takeKept(most: number): ReadonlyArray<Uint8Array> {
    const to = Math.min(this.kept.length, this.next + most)
    const taken = this.next === 0 && to === this.kept.length ? this.kept : this.kept.slice(this.next, to)
    this.next = to
    if (to === this.kept.length) this.keptNone()
    this.handOut(taken.length)
    return taken
  }

  /**
   * Counts items handed out. A process that turns out to take its kept items
   * slowly (an item is real work after all) gives the rest back now, for
   * other consumers, and asks for one at a time from then on.
   */
  private handOut(count: number): void {
    this.handedOut += count
    this.lastHandOut = performance.now()
    this.toAck += count
    if (this.joinable) this.undone += count
    // Slow, and for a while: other consumers wait for what is kept here.
    const since = this.handedOut - this.handedAtArrival
    const elapsed = this.lastHandOut - this.arrived
    if (this.next < this.kept.length && elapsed > IDLE_MS && elapsed > QUICK_MS * since) {
      this.want = 1
      this.giveBack()
    }
  }

  /** Posts an operation that settles what this proxy holds: sent even after the owner refused an earlier post. */
  private post(method: string, count: number): void {
    const posted = this.backend.post(method, [this.id, count], "", true)
    if (!Exit.isExit(posted)) Effect.runFork(Effect.ignore(posted))
  }

  /**
   * Tells the owner how many of its leased items this proxy handed out (they
   * are taken for good), before anything else this proxy sends: the holder
   * calls it before a get's items reach the caller. The frame goes to the
   * kernel at once (the socket writes it while its buffer has room), so
   * the owner learns of a take even if this process is killed right after.
   */
  acknowledge(): void {
    if (this.toAck > 0) {
      this.post("ack", this.toAck)
      this.toAck = 0
    }
    if (this.next >= this.kept.length) this.settledAtExit()
  }

  /** Nothing kept any more: nothing to give back at exit either (once acknowledged). */
  private keptNone(): void {
    this.kept = []
    this.next = 0
    if (this.toAck === 0) this.settledAtExit()
  }

  private settledAtExit(): void {
    if (this.giveBackAtExit !== undefined) {
      this.channel.atExit.delete(this.giveBackAtExit)
      this.giveBackAtExit = undefined
    }
  }

  private keep(items: ReadonlyArray<Uint8Array>, first = false): void {
    const rest = this.kept.slice(this.next)
    this.kept = first ? [...items, ...rest] : [...rest, ...items]
    this.next = 0
    if (this.kept.length === 0) return
    if (this.giveBackAtExit === undefined) {
      this.giveBackAtExit = () => this.giveBack()
      this.channel.atExit.add(this.giveBackAtExit)
    }
    if (this.idleCheck === undefined) this.checkIdle()
  }

  /** While items are kept: given back once none has been taken for `IDLE_MS`. */
  private checkIdle(): void {
    this.idleCheck = setTimeout(() => {
      this.idleCheck = undefined
      if (this.next >= this.kept.length) return
      if (performance.now() - Math.max(this.lastHandOut, this.arrived) >= IDLE_MS) return this.giveBack()
      this.checkIdle()
    }, IDLE_MS)
    this.idleCheck.unref()
  }

  /** Items kept here go back to the owner, in order, ahead of the rest (after the acknowledgement of those handed out). */
  giveBack(): void {
    this.acknowledge()
    if (this.next >= this.kept.length) return
    const count = this.kept.length - this.next
    this.keptNone()
    this.post("giveBack", count)
  }
}
