/**
 * Barrier in shared memory: the same public interface and semantics as the
 * served one (barrier.ts), over a segment every process that holds it maps:
 * a mutex of its own (sharedMutex.ts), the count of parties arrived, its
 * flags and generation, and a queue of the parties waiting
 * (sharedWaitQueue.ts), each asleep on its own word.
 *
 * The last party to arrive releases the others: it marks each waiting slot
 * released and wakes it. With an action, that party runs it first, while a
 * newcomer waits for the next generation; the action is an Effect of the
 * process that made the barrier, so it runs there: in that process itself
 * when its own party arrives last, else on that party's behalf over the
 * maker's resource server, and the party gets what it failed with.
 *
 * A timeout, `abort`, a failing action or a party that leaves (interrupted)
 * breaks it: every waiting party fails with BrokenBarrierError, as do later
 * waits until `reset`. A party whose process dies while it waits, or while
 * it runs the action, breaks it too, as a served barrier's owner does when a
 * waiting client goes: the others notice within a liveness slice (100 ms).
 */
import { Duration, Effect, Exit } from "effect"
import { BrokenBarrierError, type OwnerGoneError, type TimeoutError, type TypeError, type ValueError } from "../../Errors.js"
import { BROKE_IT, timeoutError } from "../timedWait.js"
import type * as Public from "../../Barrier.js"
import { operation } from "../faces.js"
import {
  type Backend,
  checkedWait,
  type Primitive,
  PrimitiveTypeId,
  processCaller,
  type Reference,
  remote,
  threadCaller,
  timeoutFromWire
} from "../served/backend.js"
import { type Definition, serveLocal } from "../served/definition.js"
import { registerRevival } from "../served/revive.js"
import { mapped, servedAt, servedHere, startNow } from "../served/throughOwner.js"
import { LIVENESS_SLICE_MS, MUTEX_WORDS, SharedMutex } from "../lock/sharedMutex.js"
import { futexWait } from "../native/futexWait.js"
import type { Waker } from "../native/native.js"
import { canCreate, create, goneError, makerPid, wakerOf } from "../native/segment.js"
import { segmentOf, SHM_ID_PREFIX } from "../native/segmentIds.js"
import { thisThread, threadRuns } from "../thisProcess/thisThread.js"
import { queueWords, SharedWaitQueue, WAITING } from "./sharedWaitQueue.js"

/** The most parties of a barrier in shared memory (a slot each); a larger one is served. */
export const MAX_PARTIES = 1024

/** Words after the mutex's. */
const COUNT = MUTEX_WORDS
const FLAGS = COUNT + 1
/** Changes when a generation ends (released, broken or reset): newcomers sleep on it while the action runs. */
const GENERATION = FLAGS + 1
/** The thread running the action (its OS thread id, thisProcess/thisThread.ts). */
const ACTION_PID = GENERATION + 1
/** The default timeout in milliseconds, a float64 at this word (8-byte aligned); negative for none. */
const TIMEOUT = 8
const QUEUE = 10

const BROKEN = 1
/** The last party arrived and runs the action. */
const FULL = 2

/** How a waiting party's wait ended. */
const RELEASED = 2
const BROKE = 3

/** The mutex's caller: this thread (its critical sections never yield, so no two callers of it meet there); read at each use, not frozen into the start-up snapshot. */
const caller = threadCaller

const broken = () => new BrokenBarrierError({ message: "the barrier is broken" })

/** The action of a barrier whose parties in other processes ask its maker to run it. */
const actionDefinition: Definition<Effect.Effect<unknown, unknown>> = {
  kind: () => "BarrierAction",
  operations: { run: { run: (action) => Effect.asVoid(action) } }
}

type Arrival =
  | { readonly tag: "broken" }
  | { readonly tag: "draining"; readonly generation: number }
  | { readonly tag: "released"; readonly index: number }
  | { readonly tag: "action"; readonly index: number; readonly generation: number }
  | { readonly tag: "waiting"; readonly index: number; readonly slot: number }

export class SharedMemoryBarrier<E = never> implements Public.Barrier<E>, Primitive {
  readonly [PrimitiveTypeId]: Backend
  private readonly mutex: SharedMutex | undefined
  private readonly queue: SharedWaitQueue | undefined

  constructor(
    readonly parties: number,
    segmentName: string,
    /** Undefined when its segment could not be mapped where it arrived. */
    private readonly words: Int32Array | undefined,
    /** The action, in the process that made it. */
    private readonly action: Effect.Effect<unknown, E> | undefined,
    /** Where the action runs for a party of another process (the maker's own backend there). */
    private readonly actionBackend: Backend | undefined,
    private readonly ownerName: string,
    /** The reference it arrived as (its maker's); none in its maker. */
    arrival?: Reference
  ) {
    this.mutex = words === undefined ? undefined : new SharedMutex(wakerOf(words), words, false)
    this.queue = words === undefined ? undefined : new SharedWaitQueue(wakerOf(words), words, QUEUE, parties)
    const id = SHM_ID_PREFIX + segmentName
    const reference = (): Reference => {
      if (arrival !== undefined) return arrival
      const action = actionBackend?.reference()
      return {
        kind: `${SHM_ID_PREFIX}Barrier:${parties}${action === undefined ? "" : `;${action.id}`}`,
        id,
        // The maker's server, where its action runs too.
        address: servedAt(id, servedDefinition, this as SharedMemoryBarrier<unknown>),
        ownerPid: makerPid(segmentName),
        ownerName
      }
    }
    const refused = () => Exit.fail(this.gone())
    this[PrimitiveTypeId] = { id, isLocal: true, reference, call: refused, post: refused }
  }

  private gone(): OwnerGoneError {
    return goneError("Barrier", segmentOf(this[PrimitiveTypeId].id), this.ownerName)
  }

  private get shm(): Waker {
    return wakerOf(this.words!)
  }

  /** Runs `f` holding the barrier's mutex (f never yields). */
  private locked<A>(f: (words: Int32Array, queue: SharedWaitQueue) => A): Effect.Effect<A> {
    const words = this.words!
    const queue = this.queue!
    const mutex = this.mutex!
    const run = () => {
      try {
        return f(words, queue)
      } finally {
        mutex.release(caller())
      }
    }
    const taken = mutex.acquire(caller(), true, undefined)
    return Exit.isExit(taken) ? Exit.succeed(run()) : Effect.uninterruptible(Effect.map(taken, run))
  }

  /** Ends the generation released: every waiting party goes on. */
  private releaseAll(words: Int32Array, queue: SharedWaitQueue): void {
    queue.wakeAll(RELEASED)
    this.endGeneration(words, 0)
  }

  /** Breaks it: every waiting party, and every later wait until `reset`, fails. */
  private breakAll(words: Int32Array, queue: SharedWaitQueue): void {
    queue.wakeAll(BROKE)
    this.endGeneration(words, BROKEN)
  }

  private endGeneration(words: Int32Array, flags: number): void {
    const draining = (words[FLAGS] & FULL) !== 0
    Atomics.store(words, COUNT, 0)
    Atomics.store(words, FLAGS, flags)
    Atomics.add(words, GENERATION, 1)
    // Newcomers sleep on the generation only while an action runs.
    if (draining) this.shm.wake(words, GENERATION, 0x7fffffff)
  }

  private defaultTimeout(): Duration.Duration | undefined {
    const millis = new Float64Array(this.words!.buffer, this.words!.byteOffset + TIMEOUT * 4, 1)[0]
    return millis >= 0 ? Duration.millis(millis) : undefined
  }

  wait(timeout?: Duration.DurationInput): Effect.Effect<number, BrokenBarrierError | OwnerGoneError | TimeoutError | TypeError | ValueError | E> {
    const checked = checkedWait("Barrier.wait", undefined, timeout)
    if (checked._tag === "Left") return Exit.fail(checked.left)
    return operation(() => {
      if (this.words === undefined) return Exit.fail(this.gone())
      return this.arrive(checked.right ?? this.defaultTimeout())
    })
  }

  private arrive(limit: Duration.Duration | undefined): Effect.Effect<number, BrokenBarrierError | OwnerGoneError | TimeoutError | E> {
    const parties = this.parties
    const hasAction = this.action !== undefined || this.actionBackend !== undefined
    const arrived = this.locked((words, queue): Arrival => {
      const flags = words[FLAGS]
      if ((flags & BROKEN) !== 0) return { tag: "broken" }
      if ((flags & FULL) !== 0) return { tag: "draining", generation: words[GENERATION] }
      const index = words[COUNT]
      Atomics.store(words, COUNT, index + 1)
      if (index + 1 < parties) return { tag: "waiting", index, slot: queue.enqueue(thisThread()) }
      if (!hasAction) {
        this.releaseAll(words, queue)
        return { tag: "released", index }
      }
      Atomics.store(words, FLAGS, flags | FULL)
      Atomics.store(words, ACTION_PID, thisThread())
      return { tag: "action", index, generation: words[GENERATION] }
    })
    const next = (arrival: Arrival): Effect.Effect<number, BrokenBarrierError | OwnerGoneError | TimeoutError | E> => {
      switch (arrival.tag) {
        case "broken":
          return Exit.fail(broken())
        case "released":
          return Exit.succeed(arrival.index)
        case "draining":
          return Effect.zipRight(this.drained(arrival.generation), Effect.suspend(() => this.arrive(limit)))
        case "action":
          return this.runAction(arrival.index, arrival.generation)
        case "waiting":
          return this.waitReleased(arrival.index, arrival.slot, limit)
      }
    }
    // The last party without an action, or a broken barrier, answers at once: an Exit, which the compat
    // face settles without a fiber (a child's first fiber costs tens of ms while V8 compiles Effect's runtime).
    if (Exit.isExit(arrived)) {
      const arrival = (arrived as Exit.Success<Arrival, never>).value
      if (arrival.tag === "released" || arrival.tag === "broken") return next(arrival)
    }
    return Effect.flatMap(arrived, next)
  }

  /** Waits until the action running now is done (its generation ended); breaks it if the party running it died. */
  private drained(generation: number): Effect.Effect<void> {
    const words = this.words!
    const loop: Effect.Effect<void> = Effect.suspend(() => {
      if (Atomics.load(words, GENERATION) !== generation) return Exit.void
      return Effect.flatMap(futexWait(this.shm, words, GENERATION, generation, LIVENESS_SLICE_MS), (result) =>
        result === "timed-out" ? Effect.zipRight(this.breakIfPartyDied(), loop) : loop)
    })
    return loop
  }

  /** The last party: runs the action (here or in the maker), then releases the others, or breaks it. */
  private runAction(index: number, generation: number): Effect.Effect<number, BrokenBarrierError | OwnerGoneError | E> {
    const action: Effect.Effect<unknown, E | OwnerGoneError> = this.action ??
      (this.actionBackend!.call("run", [], processCaller()) as Effect.Effect<unknown, E | OwnerGoneError>)
    return Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(Effect.exit(restore(action)), (exit) =>
        Effect.flatMap(
          this.locked((words, queue) => {
            // Reset or aborted meanwhile: this generation is over, broken.
            if (Atomics.load(words, GENERATION) !== generation) return false
            if (Exit.isSuccess(exit)) this.releaseAll(words, queue)
            else this.breakAll(words, queue)
            return true
          }),
          (current): Effect.Effect<number, BrokenBarrierError | OwnerGoneError | E> =>
            Exit.isFailure(exit) ? Exit.failCause(exit.cause) : current ? Exit.succeed(index) : Exit.fail(broken())
        ))
    )
  }

  /**
   * A waiting party: sleeps on its slot until released or broken; its timeout
   * (its TimeoutError, the others' BrokenBarrierError), or its leaving, breaks the barrier.
   */
  private waitReleased(index: number, slot: number, limit: Duration.Duration | undefined): Effect.Effect<number, BrokenBarrierError | TimeoutError> {
    const deadline = limit === undefined || !Duration.isFinite(limit) ? undefined : performance.now() + Duration.toMillis(limit)
    const queue = this.queue!
    queue.nap(slot, deadline)
    const sleep: Effect.Effect<void> = Effect.suspend(() => {
      if (queue.state(slot) !== WAITING) return Exit.void
      const left = deadline === undefined ? LIVENESS_SLICE_MS : deadline - performance.now()
      if (left <= 0) return Exit.void
      return Effect.flatMap(queue.sleep(slot, Math.min(LIVENESS_SLICE_MS, left)), (result) =>
        result === "timed-out" ? Effect.zipRight(this.breakIfPartyDied(), sleep) : sleep)
    })
    return Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(Effect.exit(restore(sleep)), (exit) =>
        Effect.flatMap(
          this.locked((words, queue) => {
            const outcome = queue.leave(slot)
            // Still waiting: out of time, or interrupted; either breaks it for every party.
            if (outcome === WAITING) this.breakAll(words, queue)
            return outcome
          }),
          (outcome) =>
            Exit.isFailure(exit)
              ? Exit.failCause(exit.cause)
              : outcome === RELEASED
              ? Exit.succeed(index)
              : Exit.fail(outcome === WAITING ? timeoutError("Barrier.wait", limit, BROKE_IT) : broken())
        ))
    )
  }

  /** Breaks it when a party died waiting, or running the action: the others could never all meet. */
  private breakIfPartyDied(): Effect.Effect<void> {
    const words = this.words!
    const queue = this.queue!
    const actionPid = () => ((Atomics.load(words, FLAGS) & FULL) !== 0 ? Atomics.load(words, ACTION_PID) : 0)
    const deadRunner = (thread: number) => thread !== 0 && !threadRuns(thread)
    const dead = queue.deadWaiter() ?? (deadRunner(actionPid()) ? actionPid() : undefined)
    if (dead === undefined) return Exit.void
    return this.locked((words, queue) => {
      if (queue.hasWaiter(dead) || actionPid() === dead) this.breakAll(words, queue)
    })
  }

  readonly abort: Effect.Effect<void, OwnerGoneError> = operation(() =>
    this.words === undefined ? Exit.fail(this.gone()) : this.locked((words, queue) => this.breakAll(words, queue)))

  readonly reset: Effect.Effect<void, OwnerGoneError> = operation(() =>
    this.words === undefined ? Exit.fail(this.gone()) : this.locked((words, queue) => {
      // Waiting parties, or one running the action, fail: their generation ends broken; the barrier is whole again.
      if (words[COUNT] > 0 || (words[FLAGS] & FULL) !== 0) queue.wakeAll(BROKE)
      this.endGeneration(words, 0)
    }))

  readonly nWaiting: Effect.Effect<number, OwnerGoneError> = operation(() => {
    const words = this.words
    if (words === undefined) return Exit.fail(this.gone())
    return Exit.succeed((Atomics.load(words, FLAGS) & BROKEN) !== 0 ? 0 : Atomics.load(words, COUNT))
  })

  readonly broken: Effect.Effect<boolean, OwnerGoneError> = operation(() => {
    const words = this.words
    return words === undefined ? Exit.fail(this.gone()) : Exit.succeed((Atomics.load(words, FLAGS) & BROKEN) !== 0)
  })
}

/** The served Barrier's table (barrier.ts), for the processes that cannot map it: run on this process's mapping. */
const servedDefinition: Definition<SharedMemoryBarrier<unknown>> = {
  kind: (barrier) => `Barrier:${barrier.parties}`,
  operations: {
    wait: { run: (barrier, [millis]) => startNow(barrier.wait(timeoutFromWire(millis))) },
    abort: { run: (barrier) => startNow(barrier.abort) },
    reset: { run: (barrier) => startNow(barrier.reset) },
    state: {
      run: (barrier) =>
        Exit.flatMap(startNow(barrier.nWaiting) as Exit.Exit<number, OwnerGoneError>, (nWaiting) =>
          Exit.map(startNow(barrier.broken) as Exit.Exit<boolean, OwnerGoneError>, (broken) => ({ nWaiting, broken })))
    }
  }
}

/** Whether a new barrier of `parties` lives in shared memory: it can here (segment.ts), and a slot for each fits. */
export const available = (parties: number): boolean => canCreate() && parties <= MAX_PARTIES

/** A new barrier in a new segment, and the ids its maker's Scope ends: its segment's, and its action's when it has one. */
export const makeLocal = <E>(
  parties: number,
  action: Effect.Effect<unknown, E> | undefined,
  timeout: Duration.Duration | undefined,
  ownerName: string
): { readonly handle: SharedMemoryBarrier<E>; readonly ids: ReadonlyArray<string> } => {
  const segment = create((QUEUE + queueWords(parties)) * 4)
  new Float64Array(segment.words.buffer, segment.words.byteOffset + TIMEOUT * 4, 1)[0] = timeout === undefined || !Duration.isFinite(timeout) ? -1 : Duration.toMillis(timeout)
  SharedWaitQueue.initialize(segment.words, QUEUE, parties)
  const actionBackend = action === undefined ? undefined : serveLocal(actionDefinition, action)
  const handle = new SharedMemoryBarrier(parties, segment.name, segment.words, action, actionBackend, ownerName)
  return { handle, ids: actionBackend === undefined ? [handle[PrimitiveTypeId].id] : [handle[PrimitiveTypeId].id, actionBackend.id] }
}

// One this process cannot map is the served Barrier's proxy (barrier.ts).
registerRevival("Barrier", (reference) => {
  const match = new RegExp(`^${SHM_ID_PREFIX}Barrier:(\\d+)(?:;(.+))?$`).exec(reference.kind)
  if (match === null || servedHere(reference)) return undefined
  const actionBackend = match[2] === undefined ? undefined : remote({ ...reference, kind: "BarrierAction", id: match[2] })
  return new SharedMemoryBarrier<unknown>(
    Number(match[1]),
    segmentOf(reference.id),
    mapped(reference.id)?.words,
    undefined,
    actionBackend,
    reference.ownerName,
    reference
  )
})
