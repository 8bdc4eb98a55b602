/**
 * Barrier served by its owner: Python's `multiprocessing.Barrier`
 * (`threading.Barrier`'s semantics). Where the native addon is loaded, a new
 * Barrier lives in shared memory instead (sharedMemoryBarrier.ts), with the
 * same semantics. `parties` callers meet; each gets a
 * distinct index (0 for the first to arrive); the action, when there is one,
 * runs once per generation in the owner before anyone is released. A timeout,
 * `abort`, or a failing action breaks the barrier: every waiter, and every
 * later `wait` until `reset`, fails with `BrokenBarrierError` — except the
 * party whose arrival ran a failing action, which gets the action's own
 * failure, as in Python.
 *
 * Its kind carries the parties ("Barrier:3"), so a proxy knows them without asking.
 */
import { Deferred, Duration, Effect, Exit, Option, type Scope } from "effect"
import { BrokenBarrierError, type OwnerGoneError, type TimeoutError, TypeError, ValueError } from "../../Errors.js"
import { BROKE_IT, timeoutError } from "../timedWait.js"
import type * as Public from "../../Barrier.js"
import {
  type Backend,
  checkedWait,
  PrimitiveTypeId,
  type Reference,
  remote,
  scopedServed,
  shown,
  timeoutFromWire,
  timeoutToWire
} from "../served/backend.js"
import { type Definition, mapNow, serveLocal, SharedObject } from "../served/definition.js"
import { registerRevival } from "../served/revive.js"
import { servedKind } from "../served/throughOwner.js"
import { operation } from "../faces.js"
import * as WallClock from "../wallClock.js"
import { currentIdentity } from "../thisProcess/currentProcess.js"
import * as Shm from "./sharedMemoryBarrier.js"

type Outcome = "released" | "broken"

const broken = () => new BrokenBarrierError({ message: "the barrier is broken" })

class BarrierState {
  private count = 0
  private isBroken = false
  private generation = Deferred.unsafeMake<Outcome>(undefined as never)

  constructor(
    readonly parties: number,
    private readonly action: Effect.Effect<unknown, unknown> | undefined,
    private readonly defaultTimeout: Duration.Duration | undefined
  ) {}

  get nWaiting(): number {
    return this.isBroken ? 0 : this.count
  }

  get broken(): boolean {
    return this.isBroken
  }

  /** Breaks the barrier: waiters of this generation fail. */
  abort(): void {
    this.isBroken = true
    this.endGeneration("broken")
  }

  /** Back to empty and unbroken; waiters of this generation fail. */
  reset(): void {
    if (this.count > 0) this.endGeneration("broken")
    this.isBroken = false
  }

  private endGeneration(outcome: Outcome): void {
    Deferred.unsafeDone(this.generation, Exit.succeed(outcome))
    this.generation = Deferred.unsafeMake<Outcome>(undefined as never)
    this.count = 0
  }

  wait(timeout: Duration.Duration | undefined): Effect.Effect<number, unknown> {
    if (this.isBroken) return Effect.fail(broken())
    // While the action of a full generation runs, a newcomer waits for the next one, as in Python.
    if (this.count >= this.parties) {
      const draining = this.generation
      return Effect.flatMap(Deferred.await(draining), () => Effect.suspend(() => this.wait(timeout)))
    }
    const index = this.count++
    const generation = this.generation
    if (this.count === this.parties) {
      // The last to arrive runs the action, then releases everyone — unless the generation was
      // broken meanwhile. An action that fails, or a caller interrupted in it, breaks the barrier.
      if (this.action === undefined) {
        this.endGeneration("released")
        return Effect.succeed(index)
      }
      return Effect.onExit(this.action, (exit) =>
        Effect.sync(() => {
          if (generation !== this.generation) return
          if (Exit.isSuccess(exit)) this.endGeneration("released")
          else this.abort()
        })).pipe(Effect.flatMap(() => this.outcomeOf(generation, index)))
    }
    const limit = timeout ?? this.defaultTimeout
    const outcome = Deferred.await(generation)
    const wait = limit === undefined || !Duration.isFinite(limit)
      ? Effect.asSome(outcome)
      : WallClock.timeoutOption(outcome, limit)
    return wait.pipe(
      Effect.flatMap((result): Effect.Effect<number, BrokenBarrierError | TimeoutError> => {
        if (Option.isNone(result)) {
          if (generation === this.generation) this.abort() // a timeout breaks it for every party
          return Effect.fail(timeoutError("Barrier.wait", limit, BROKE_IT))
        }
        return result.value === "released" ? Effect.succeed(index) : Effect.fail(broken())
      }),
      // A party that leaves breaks the barrier, as a timeout does: the others cannot all meet now.
      Effect.onInterrupt(() =>
        Effect.sync(() => {
          if (generation === this.generation) this.abort()
        })
      )
    )
  }

  /** This caller's index once `generation` has ended released; BrokenBarrierError if it broke. */
  private outcomeOf(generation: Deferred.Deferred<Outcome>, index: number): Effect.Effect<number, BrokenBarrierError> {
    return Effect.flatMap(Deferred.await(generation), (outcome) =>
      outcome === "released" ? Effect.succeed(index) : Effect.fail(broken()))
  }
}

const definition: Definition<BarrierState> = {
  kind: (state) => `Barrier:${state.parties}`,
  operations: {
    wait: { run: (state, [millis]) => state.wait(timeoutFromWire(millis)) },
    abort: { run: (state) => (state.abort(), Exit.void) },
    reset: { run: (state) => (state.reset(), Exit.void) },
    state: { run: (state) => Exit.succeed({ nWaiting: state.nWaiting, broken: state.broken }) }
  }
}

type Counts = { readonly nWaiting: number; readonly broken: boolean }

export class BarrierHandle<E = never> extends SharedObject implements Public.Barrier<E> {
  constructor(backend: Backend, readonly parties: number) {
    super(backend, definition.operations)
  }

  wait(timeout?: Duration.DurationInput): Effect.Effect<number, BrokenBarrierError | OwnerGoneError | TimeoutError | TypeError | ValueError | E> {
    const checked = checkedWait("Barrier.wait", undefined, timeout)
    return checked._tag === "Left" ? Exit.fail(checked.left) : this.op("wait", [timeoutToWire(checked.right)])
  }
  readonly abort = this.op<void, OwnerGoneError>("abort")
  readonly reset = this.op<void, OwnerGoneError>("reset")
  readonly nWaiting = this.counted((counts) => counts.nWaiting)
  readonly broken = this.counted((counts) => counts.broken)

  private counted<A>(f: (counts: Counts) => A): Effect.Effect<A, OwnerGoneError> {
    return operation(() => mapNow(this.call<Counts, OwnerGoneError>("state"), f))
  }
}

/**
 * A new Barrier, usable until `scope` closes: in shared memory when the addon
 * is loaded and the parties fit (sharedMemoryBarrier.ts), else served by this
 * process; `action` runs in this process, once per generation.
 */
export const make = <E = never>(parties: number, options?: Public.Options<E>): Effect.Effect<Public.Barrier<E>, TypeError | ValueError, Scope.Scope> =>
  scopedServed(Effect.suspend((): Effect.Effect<{ readonly handle: Public.Barrier<E>; readonly ids: ReadonlyArray<string> }, TypeError | ValueError> => {
    if (typeof parties !== "number" || !Number.isInteger(parties)) {
      return Effect.fail(new TypeError({ message: `a Barrier's parties must be an integer, got ${shown(parties)}` }))
    }
    if (!Number.isSafeInteger(parties) || parties < 1) {
      return Effect.fail(new ValueError({ message: `a Barrier needs at least 1 party, got ${parties}` }))
    }
    const timeout = checkedWait("Barrier", undefined, options?.timeout)
    if (timeout._tag === "Left") return Effect.fail(timeout.left)
    if (Shm.available(parties)) return Effect.succeed(Shm.makeLocal(parties, options?.action, timeout.right, currentIdentity().name))
    const handle = new BarrierHandle<E>(serveLocal(definition, new BarrierState(parties, options?.action, timeout.right)), parties)
    return Effect.succeed({ handle, ids: [handle[PrimitiveTypeId].id] })
  }))

/**
 * A child's proxy, from the reference that arrived; also of a Barrier in
 * shared memory that this process cannot map (its kind may name its action:
 * ";<id>"), which its maker serves (served/throughOwner.ts).
 */
const revive = (reference: Reference): BarrierHandle<unknown> | undefined => {
  const match = /^Barrier:(\d+)(?:;.+)?$/.exec(servedKind(reference) ?? "")
  return match === null ? undefined : new BarrierHandle(remote(reference), Number(match[1]))
}

registerRevival("Barrier", revive)
