/**
 * Event in shared memory: the same public interface as the served one
 * (event.ts), over two words of a segment every process that holds it maps.
 *
 * The state word is the flag (bit 0) and a count of sets (the bits above): a
 * waiter that finds the flag clear sleeps on that word while it is unchanged,
 * so a set followed at once by a clear still wakes it with true, as the
 * served Event's waiters are. Beside it, how many sleep: `set` wakes the word
 * only when someone does, so isSet, set and clear make no system call when
 * nobody waits, and a wait on a set flag answers at once (an Exit).
 *
 * Sleepers of this thread are also woken by `set` at once, without the
 * futex (as the served Event's owner wakes its own waiters): the wake-up call
 * goes out only when more sleep than this thread's own (module state, so
 * each worker thread keeps its own).
 *
 * A process that dies waiting leaves its count of sleepers behind: the sets
 * after it make one needless wake-up call. Nothing else depends on who
 * waits; there is no owner to lose.
 *
 * A process that cannot map it is served by its maker, by the served
 * Event's table (event.ts) run on the maker's mapping (`servedDefinition`,
 * see served/throughOwner.ts).
 */
import { Duration, Effect, Exit } from "effect"
import type { OwnerGoneError, TimeoutError, TypeError, ValueError } from "../../Errors.js"
import { failOnFalseElseVoid } from "../timedWait.js"
import type * as Public from "../../Event.js"
import { operation } from "../faces.js"
import { type Backend, checkedWait, type Primitive, PrimitiveTypeId, type Reference, timeoutFromWire } from "../served/backend.js"
import type { Definition } from "../served/definition.js"
import { registerRevival } from "../served/revive.js"
import { mapped, servedAt, servedHere, startNow } from "../served/throughOwner.js"
import { keepingAlive } from "../keepAlive.js"
import { nap } from "./nap.js"
import type { Waker } from "../native/native.js"
import { canCreate, create, goneError, makerPid, wakerOf } from "../native/segment.js"
import { segmentOf, SHM_ID_PREFIX } from "../native/segmentIds.js"
import { pipeArguments } from "effect/Pipeable"

const STATE = 0
const SLEEPERS = 1
const EVENT_BYTES = 8

const KIND = `${SHM_ID_PREFIX}Event`


/** This process's sleepers, by segment (one Event may arrive here as several handles): each ends its sleep when called. */
const localSleepers = new Map<string, Set<() => void>>()

/** The state after a set: the flag on, one more set counted (kept positive). */
const afterSet = (state: number): number => (state + 3) & 0x7fffffff

export class SharedMemoryEvent implements Public.Event, Primitive {
  readonly [PrimitiveTypeId]: Backend

  pipe() {
    return pipeArguments(this, arguments)
  }

  /** This process's sleepers on it. */
  private readonly sleepers: Set<() => void>

  /** `words` undefined: its segment was gone where it arrived. */
  constructor(
    private readonly shm: Waker | undefined,
    private readonly words: Int32Array | undefined,
    segmentName: string,
    ownerName: string,
    /** The reference it arrived as (its maker's); none in its maker. */
    arrival?: Reference
  ) {
    let sleepers = localSleepers.get(segmentName)
    if (sleepers === undefined) localSleepers.set(segmentName, sleepers = new Set())
    this.sleepers = sleepers
    const id = SHM_ID_PREFIX + segmentName
    const reference = (): Reference =>
      arrival ?? { kind: KIND, id, address: servedAt(id, servedDefinition, this), ownerPid: makerPid(segmentName), ownerName }
    const refused = () => Exit.fail(this.gone())
    this[PrimitiveTypeId] = { id, isLocal: true, reference, call: refused, post: refused }
  }

  private gone(): OwnerGoneError {
    const reference = this[PrimitiveTypeId].reference()
    return goneError("Event", segmentOf(reference.id), reference.ownerName)
  }

  readonly isSet: Effect.Effect<boolean, OwnerGoneError> = operation(() =>
    this.words === undefined ? Exit.fail(this.gone()) : Exit.succeed((Atomics.load(this.words, STATE) & 1) === 1))

  readonly set: Effect.Effect<void, OwnerGoneError> = operation(() => {
    const words = this.words
    if (words === undefined) return Exit.fail(this.gone())
    let state = Atomics.load(words, STATE)
    while ((state & 1) === 0) {
      const seen = Atomics.compareExchange(words, STATE, state, afterSet(state))
      if (seen === state) {
        const own = this.sleepers.size
        if (Atomics.load(words, SLEEPERS) > own) this.shm!.wake(words, STATE, 0x7fffffff)
        if (own > 0) for (const wake of [...this.sleepers]) wake()
        break
      }
      state = seen
    }
    return Exit.void
  })

  readonly clear: Effect.Effect<void, OwnerGoneError> = operation(() => {
    const words = this.words
    if (words === undefined) return Exit.fail(this.gone())
    // Only the flag: the count of sets stays, so a waiter still sees that a set came.
    Atomics.and(words, STATE, ~1)
    return Exit.void
  })

  wait(timeout?: Duration.DurationInput): Effect.Effect<void, OwnerGoneError | TimeoutError | TypeError | ValueError> {
    const checked = checkedWait("Event.wait", undefined, timeout)
    if (checked._tag === "Left") return Exit.fail(checked.left)
    const limit = checked.right
    return failOnFalseElseVoid(this.waitWithin(limit), "Event.wait", limit)
  }

  /** Python's `wait(timeout)`: true once the flag is set, false when `limit` runs out first. */
  waitWithin(limit: Duration.Duration | undefined): Effect.Effect<boolean, OwnerGoneError> {
    return operation(() => {
      const words = this.words
      if (words === undefined) return Exit.fail(this.gone())
      const seen = Atomics.load(words, STATE)
      if ((seen & 1) === 1) return Exit.succeed(true)
      if (limit !== undefined && Duration.lessThanOrEqualTo(limit, Duration.zero)) return Exit.succeed(false)
      const deadline = limit === undefined || !Duration.isFinite(limit) ? undefined : performance.now() + Duration.toMillis(limit)
      if (this.nap(words, seen, deadline)) return Exit.succeed(true)
      return this.sleep(words, seen, deadline)
    })
  }

  /** A short blocking sleep first (see nap.ts), counted as a sleeper so that a set wakes it; whether a set came. */
  private nap(words: Int32Array, seen: number, deadline: number | undefined): boolean {
    Atomics.add(words, SLEEPERS, 1)
    const changed = nap(this.shm!, words, STATE, seen, deadline)
    Atomics.sub(words, SLEEPERS, 1)
    return changed
  }

  /** Sleeps until the state leaves `seen` (a set came: true) or the deadline passes (false). */
  private sleep(words: Int32Array, seen: number, deadline: number | undefined): Effect.Effect<boolean> {
    const loop: Effect.Effect<boolean> = Effect.suspend(() => {
      if (Atomics.load(words, STATE) !== seen) return Exit.succeed(true)
      const left = deadline === undefined ? -1 : deadline - performance.now()
      if (deadline !== undefined && left <= 0) return Exit.succeed(false)
      return Effect.zipRight(sleepOnce(this.shm!, this.sleepers, words, seen, left), loop)
    })
    // Counted before the futex looks at the word, uncounted however the wait ends (see `set`).
    // One count per sleeping Effect, as `sleepers` has one entry per sleep.
    return Effect.acquireUseRelease(
      Effect.sync(() => Atomics.add(words, SLEEPERS, 1)),
      () => loop,
      () => Effect.sync(() => Atomics.sub(words, SLEEPERS, 1))
    )
  }
}

/**
 * One futex sleep on the state while it is `seen`, at most `millis` (negative: no limit),
 * which a `set` of this process also ends at once. Interrupting it cancels the futex wait.
 */
const sleepOnce = (shm: Waker, sleepers: Set<() => void>, words: Int32Array, seen: number, millis: number): Effect.Effect<void> =>
  keepingAlive(Effect.async<void>((resume) => {
    let done = false
    const finish = (cancel: boolean) => {
      if (done) return
      done = true
      sleepers.delete(wakeHere)
      if (cancel) shm.cancelWait(ticket)
    }
    const wakeHere = () => {
      finish(true)
      resume(Exit.void)
    }
    const ticket = shm.waitAsync(words, STATE, seen, millis, (result) => {
      if (result === "cancelled" || done) return
      finish(false)
      resume(Exit.void)
    })
    sleepers.add(wakeHere)
    return Effect.sync(() => finish(true))
  }))

/** The served Event's table (event.ts), for the processes that cannot map it: run on this process's mapping. */
const servedDefinition: Definition<SharedMemoryEvent> = {
  kind: () => "Event",
  operations: {
    isSet: { run: (event) => startNow(event.isSet) },
    set: { run: (event) => startNow(event.set) },
    clear: { run: (event) => startNow(event.clear) },
    wait: { run: (event, [millis]) => startNow(event.waitWithin(timeoutFromWire(millis))) }
  }
}

/** Whether a new Event lives in shared memory: it can here (segment.ts). */
export const available = (): boolean => canCreate()

/** A new Event in a new segment (its maker's Scope unlinks it by its id). */
export const makeLocal = (ownerName: string): SharedMemoryEvent => {
  const segment = create(EVENT_BYTES)
  return new SharedMemoryEvent(wakerOf(segment.words), segment.words, segment.name, ownerName)
}

// One this process cannot map is the served Event's proxy (event.ts).
registerRevival("Event", (reference) => {
  if (reference.kind !== KIND || servedHere(reference)) return undefined
  const segment = mapped(reference.id)
  return new SharedMemoryEvent(segment === undefined ? undefined : wakerOf(segment.words), segment?.words, segmentOf(reference.id), reference.ownerName, reference)
})
