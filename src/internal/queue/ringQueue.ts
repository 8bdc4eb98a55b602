/**
 * A queue's puts, gets and join over its shared ring (sharedRing.ts), as the
 * queue's holder (queueHandle.ts) runs them in every process: done at once
 * (an Exit, no fiber) when the ring answers at once; waiting on the ring's
 * futex words otherwise, interruptibly, looking every SLEEP_SLICE_MS whether
 * the owner still lives. Items that overflowed go to and come from the owner
 * through `Overflow`, which the holder provides. An unbounded queue's puts
 * that find the ring full are kept here in order (the backlog) and fed in by
 * a feeder as gets make room, as CPython's feeder thread feeds its pipe.
 */
import { Duration, Effect, Exit } from "effect"
import { pendingBeforeExit } from "../thisProcess/processGlobals.js"
import { Empty, EOFError, Full, type OwnerGoneError, ValueError } from "../../Errors.js"
import type { GetError, PutError } from "../../ProcessQueue.js"
import { answersAtOnce } from "../served/backend.js"
import { flatMap, mapExit } from "../exitFastPath.js"
import { type SharedRing, SLEEP_SLICE_MS } from "./sharedRing.js"

/** How the holder reaches the owner's store of overflowed items. */
export interface Overflow {
  /** Sends one encoded item there. */
  readonly put: (item: Uint8Array) => Effect.Effect<void, PutError<never>>
  /** The next item there, without waiting: `Empty` when none is there now (in flight, or another consumer holds it). */
  readonly get: () => Effect.Effect<Uint8Array, GetError<never>>
}

/** A feeder whose ring has not moved (nobody took an item) for this long sends its backlog to the owner. */
export const FEED_PATIENCE_MS = 2000

const isEmpty = (exit: Exit.Exit<unknown, unknown>): boolean =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" && (exit.cause.error as { _tag?: unknown } | null)?._tag === "Empty"

export class RingQueue {
  constructor(
    readonly ring: SharedRing,
    private readonly overflow: Overflow,
    private readonly joinable: boolean,
    /** For OwnerGoneError: what the queue is and who made it. */
    private readonly kind: string,
    private readonly ownerName: string
  ) {}

  private gone(): OwnerGoneError {
    return this.ring.goneError(this.kind, this.ownerName)
  }

  private endedError(): ValueError {
    return new ValueError({ message: "the queue has ended: nothing more can be put on it" })
  }

  private endOfQueue(): EOFError {
    return new EOFError({ message: "the queue has ended and every item has been taken" })
  }

  /**
   * This process's backlog, oldest first from `backlogAt`: items an unbounded
   * queue's puts found no room for in the ring, kept here in order (and
   * counted in the ring's header as put) until the feeder pushes them in,
   * as CPython's feeder thread keeps its buffer. A put while it is not empty
   * joins it, so this producer's items keep their order.
   */
  private backlog: Array<Uint8Array> = []
  private backlogAt = 0
  /** The feeder's run, while it has a backlog to push: a child's exit and `joinThread` wait for it. */
  private feeding: Promise<void> | undefined

  put(item: Uint8Array, block: boolean, timeout: Duration.Duration | undefined): Effect.Effect<void, PutError<never>> {
    if (this.backlogAt < this.backlog.length) {
      const held = this.ring.hold(this.joinable)
      if (held !== "held") return this.answered(held, item)
      this.backlog.push(item)
      return Exit.void
    }
    const answer = this.ring.put(item, this.joinable, true)
    if (answer === "put") return Exit.void
    if (answer === "held") {
      this.backlog.push(item)
      this.feed()
      return Exit.void
    }
    if (answer !== "full") return this.answered(answer, item)
    if (answersAtOnce(block, timeout)) return Exit.fail(new Full())
    const deadline = deadlineOf(timeout)
    const loop: Effect.Effect<void, PutError<never>> = Effect.suspend(() => {
      const seen = this.ring.announcePut()
      const answer = this.ring.put(item, this.joinable)
      if (answer !== "full") return this.answered(answer, item)
      const left = deadline === undefined ? SLEEP_SLICE_MS : deadline - performance.now()
      if (left <= 0) return Exit.fail(new Full())
      return Effect.flatMap(this.ring.sleep("notFull", seen, Math.min(SLEEP_SLICE_MS, left)), (result) =>
        result === "timed-out" && this.ring.ownerDied() ? Exit.fail(this.gone()) : loop)
    })
    return loop
  }

  /** Everything this process put is in the ring or on its way to the owner (`joinThread`, and a child's exit). */
  get fed(): Effect.Effect<void> {
    const feeding = this.feeding
    return feeding === undefined ? Exit.void : Effect.promise(() => feeding)
  }

  /** Starts the feeder: it pushes the backlog into the ring as gets make room, and keeps the process alive meanwhile. */
  private feed(): void {
    if (this.feeding !== undefined) return
    let movedAt = performance.now()
    let lastTail = this.ring.tail
    const loop: Effect.Effect<void> = Effect.suspend(() => {
      const pushed = this.pushHeld()
      if (pushed !== undefined) return pushed
      // Announced, then a look again: a get that made room in between wakes us.
      const seen = this.ring.announceFeed()
      const again = this.pushHeld()
      if (again !== undefined) return again
      const tail = this.ring.tail
      if (tail !== lastTail) {
        lastTail = tail
        movedAt = performance.now()
      } else if (performance.now() - movedAt >= FEED_PATIENCE_MS) {
        // Nobody takes: the backlog goes to the owner, whose store the gets reach (a child's exit must not wait for ever).
        return this.spill()
      }
      return Effect.flatMap(this.ring.sleep("notFull", seen, SLEEP_SLICE_MS), (result) => {
        if (result === "timed-out" && this.ring.ownerDied()) {
          this.ring.dropHeld(this.backlog.length - this.backlogAt)
          this.clearBacklog()
          return Exit.void
        }
        return loop
      })
    })
    const feeding = Effect.runPromise(loop).finally(() => {
      this.feeding = undefined
      pendingBeforeExit().delete(feeding)
      // Puts that came while the last step ran (a spill's sends) restart it.
      if (this.backlogAt < this.backlog.length) this.feed()
    })
    this.feeding = feeding
    pendingBeforeExit().add(feeding)
  }

  /**
   * Pushes held items into the ring while it has room: done (an Effect: the
   * rest sent to the owner, or nothing left) or undefined (no room now).
   */
  private pushHeld(): Effect.Effect<void> | undefined {
    const backlog = this.backlog
    while (this.backlogAt < backlog.length) {
      const answer = this.ring.push(backlog[this.backlogAt])
      if (answer === "noRoom") {
        if (this.backlogAt > 4096 && this.backlogAt * 2 > backlog.length) {
          this.backlog = backlog.slice(this.backlogAt)
          this.backlogAt = 0
        }
        return undefined
      }
      if (answer === "gone") {
        this.ring.dropHeld(backlog.length - this.backlogAt)
        this.clearBacklog()
        return Exit.void
      }
      if (answer === "overflow") {
        // Items went to the owner since: this one (counted there by push) and every later one follow them, in order.
        this.ring.spill(backlog.length - this.backlogAt - 1)
        return this.sendAll()
      }
      this.backlogAt++
    }
    this.clearBacklog()
    return Exit.void
  }

  /** The whole backlog to the owner (counted there), behind what overflowed before. */
  private spill(): Effect.Effect<void> {
    this.ring.spill(this.backlog.length - this.backlogAt)
    return this.sendAll()
  }

  /**
   * The backlog, counted at the owner already, sent there in order. Each send
   * starts now (a remote one is gathered when called), so that a put that
   * overflows after this cannot pass one of them.
   */
  private sendAll(): Effect.Effect<void> {
    const sends = this.backlog.slice(this.backlogAt).map((item) => this.overflow.put(item))
    this.clearBacklog()
    return Effect.ignore(Effect.all(sends, { discard: true }))
  }

  private clearBacklog(): void {
    this.backlog = []
    this.backlogAt = 0
  }

  private answered(answer: "put" | "overflow" | "held" | "ended" | "gone", item: Uint8Array): Effect.Effect<void, PutError<never>> {
    switch (answer) {
      case "put":
        return Exit.void
      case "held":
        // Only a put that may hold is answered so (above); a waiting put never is.
        return Exit.void
      case "overflow":
        return this.overflow.put(item)
      case "ended":
        return Exit.fail(this.endedError())
      case "gone":
        return Exit.fail(this.gone())
    }
  }

  /** Up to `most` items (at least one), waiting for one as `block` and `timeout` say. */
  take(block: boolean, timeout: Duration.Duration | undefined, most: number): Effect.Effect<Array<Uint8Array>, GetError<never>> {
    const first = this.ring.pop()
    if (first !== undefined) return Exit.succeed(this.more([first], most))
    const deadline = deadlineOf(timeout)
    const atOnce = answersAtOnce(block, timeout)
    const loop: Effect.Effect<Array<Uint8Array>, GetError<never>> = Effect.suspend(() => {
      const item = this.ring.pop()
      if (item !== undefined) return Exit.succeed(this.more([item], most))
      if (this.ring.overflowing) {
        // Announced before asking: an overflowed item that reaches the owner after the answer wakes this.
        const seen = this.ring.announceGet()
        return flatMap(mapExit(this.overflow.get(), (exit) => Exit.succeed(exit)), (exit) => {
          if (Exit.isSuccess(exit)) return Exit.succeed([exit.value])
          if (!isEmpty(exit) || atOnce) return exit as Exit.Exit<never, GetError<never>>
          return this.sleep(seen, deadline, loop)
        })
      }
      if (this.ring.gone) return Exit.fail(this.gone())
      if (this.ring.ended) return Exit.fail(this.endOfQueue())
      if (atOnce) return Exit.fail(new Empty())
      const seen = this.ring.announceGet()
      if (this.ring.hasItems || this.ring.overflowing || this.ring.ended || this.ring.gone) return loop
      return this.sleep(seen, deadline, loop)
    })
    return loop
  }

  /** Sleeps until something is put (or a slice passes), then `again`; `Empty` once past the deadline. */
  private sleep<A>(seen: number, deadline: number | undefined, again: Effect.Effect<A, GetError<never>>): Effect.Effect<A, GetError<never>> {
    const left = deadline === undefined ? SLEEP_SLICE_MS : deadline - performance.now()
    if (left <= 0) return Exit.fail(new Empty())
    return Effect.flatMap(this.ring.sleep("notEmpty", seen, Math.min(SLEEP_SLICE_MS, left)), (result) =>
      result === "timed-out" && this.ring.ownerDied() && !this.ring.hasItems ? Exit.fail(this.gone()) : again)
  }

  /** `items` and more from the ring, up to `most` in all. */
  private more(items: Array<Uint8Array>, most: number): Array<Uint8Array> {
    while (items.length < most) {
      const item = this.ring.pop()
      if (item === undefined) break
      items.push(item)
    }
    return items
  }

  /** A JoinableQueue's `task_done()`. */
  taskDone(): Exit.Exit<void, ValueError> {
    return this.ring.taskDone() ? Exit.void : Exit.fail(new ValueError({ message: "task_done() called too many times" }))
  }

  /** A JoinableQueue's `join()`: done once every item put has been marked done. */
  join(): Effect.Effect<void, EOFError | OwnerGoneError> {
    const loop: Effect.Effect<void, EOFError | OwnerGoneError> = Effect.suspend(() => {
      if (this.ring.joined) return Exit.void
      if (this.ring.shut) return Exit.fail(new EOFError({ message: "the queue is no longer served: its owner closed it" }))
      if (this.ring.gone) return Exit.fail(this.gone())
      const seen = this.ring.announceJoin()
      if (this.ring.joined) return Exit.void
      return Effect.flatMap(this.ring.sleep("joined", seen, SLEEP_SLICE_MS), (result) =>
        result === "timed-out" && this.ring.ownerDied() ? Exit.fail(this.gone()) : loop)
    })
    return this.ring.joined ? Exit.void : loop
  }
}

const deadlineOf = (timeout: Duration.Duration | undefined): number | undefined =>
  timeout === undefined || !Duration.isFinite(timeout) ? undefined : performance.now() + Duration.toMillis(timeout)
