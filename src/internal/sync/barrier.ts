/**
 * Barrier shared across processes: Python's `multiprocessing.Barrier`
 * (`threading.Barrier`'s semantics). `parties` callers meet; each gets a
 * distinct index (0 for the first to arrive); the action, when there is one,
 * runs once per generation in the owner before anyone is released. A timeout,
 * `abort`, or a failing action breaks the barrier: every waiter, and every
 * later `wait` until `reset`, fails with `BrokenBarrierError` — except the
 * party whose arrival ran a failing action, which gets the action's own
 * failure, as in Python.
 *
 * Its kind carries the parties ("Barrier:3"), so a proxy knows them without asking.
 */
import { Deferred, Duration, Effect, Exit, Option } from "effect"
import { BrokenBarrierError, type OwnerGoneError, TypeError, ValueError } from "../../Errors.js"
import {
  type Backend,
  local,
  type Primitive,
  PrimitiveTypeId,
  processCaller,
  type Reference,
  remote,
  shown,
  timeoutFromWire,
  timeoutToWire
} from "../served/backend.js"
import type { Served } from "../served/server.js"
import { registerRevival } from "../served/revive.js"
import * as WallClock from "../wallClock.js"

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

  unsafeWait(timeout: Duration.Duration | undefined): Effect.Effect<number, unknown> {
    if (this.isBroken) return Effect.fail(broken())
    // While the action of a full generation runs, a newcomer waits for the next one, as in Python.
    if (this.count >= this.parties) {
      const draining = this.generation
      return Effect.flatMap(Deferred.await(draining), () => Effect.suspend(() => this.unsafeWait(timeout)))
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
      Effect.flatMap((result) => {
        if (Option.isNone(result)) {
          if (generation === this.generation) this.abort() // a timeout breaks it for every party
          return Effect.fail(broken())
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

const serve = (state: BarrierState): Served => ({
  kind: `Barrier:${state.parties}`,
  unsafeCall: (method, args) => {
    switch (method) {
      case "wait": {
        const [millis] = args as [number | null]
        return state.unsafeWait(timeoutFromWire(millis))
      }
      case "abort":
        state.abort()
        return Exit.void
      case "reset":
        state.reset()
        return Exit.void
      case "state":
        return Effect.succeed({ nWaiting: state.nWaiting, broken: state.broken })
      default:
        return Effect.fail(new ValueError({ message: `Barrier has no operation ${method}` }))
    }
  }
})


/**
 * `E`: what its action fails with, which the party whose arrival ran it gets.
 * In another process that failure arrives as failures cross processes (the
 * library's errors as themselves, anything else as a `RemoteError`).
 */
export class BarrierHandle<E = never> implements Primitive {
  readonly [PrimitiveTypeId]: Backend

  constructor(backend: Backend, readonly parties: number) {
    this[PrimitiveTypeId] = backend
  }

  private call<A, E = never>(method: string, args: ReadonlyArray<unknown> = []): Effect.Effect<A, E | OwnerGoneError> {
    return this[PrimitiveTypeId].call(method, args, processCaller()) as Effect.Effect<A, E | OwnerGoneError>
  }

  unsafeWait(timeout?: Duration.Duration): Effect.Effect<number, BrokenBarrierError | OwnerGoneError | E> {
    return this.call("wait", [timeoutToWire(timeout)])
  }
  unsafeAbort(): Effect.Effect<void, OwnerGoneError> {
    return this.call("abort")
  }
  unsafeReset(): Effect.Effect<void, OwnerGoneError> {
    return this.call("reset")
  }
  unsafeState(): Effect.Effect<{ readonly nWaiting: number; readonly broken: boolean }, OwnerGoneError> {
    return this.call("state")
  }

  /**
   * Waits for all parties: gives this caller's index (0 for the first to
   * arrive). Fails with `BrokenBarrierError` if the barrier breaks; a timeout
   * breaks it for everyone. The party whose arrival runs an action that fails
   * gets the action's failure (the others `BrokenBarrierError`).
   */
  wait(timeout?: Duration.DurationInput): Effect.Effect<number, BrokenBarrierError | OwnerGoneError | E> {
    return Effect.suspend(() => this.unsafeWait(timeout === undefined ? undefined : Duration.decode(timeout)))
  }
  /** Breaks the barrier: current and later waiters fail until `reset`. */
  get abort(): Effect.Effect<void, OwnerGoneError> {
    return Effect.suspend(() => this.unsafeAbort())
  }
  /** Empties and mends the barrier; current waiters fail with `BrokenBarrierError`. */
  get reset(): Effect.Effect<void, OwnerGoneError> {
    return Effect.suspend(() => this.unsafeReset())
  }
  /** How many wait now. */
  get nWaiting(): Effect.Effect<number, OwnerGoneError> {
    return Effect.map(Effect.suspend(() => this.unsafeState()), (state) => state.nWaiting)
  }
  get broken(): Effect.Effect<boolean, OwnerGoneError> {
    return Effect.map(Effect.suspend(() => this.unsafeState()), (state) => state.broken)
  }
}

/** The owner's side; `action` runs in this process, once per generation. */
export const makeLocal = <E = never>(
  parties: number,
  options?: { readonly action?: Effect.Effect<unknown, E>; readonly timeout?: Duration.DurationInput }
): Effect.Effect<BarrierHandle<E>, TypeError | ValueError> =>
  Effect.suspend((): Effect.Effect<BarrierHandle<E>, TypeError | ValueError> => {
    if (typeof parties !== "number" || !Number.isInteger(parties)) {
      return Effect.fail(new TypeError({ message: `a Barrier's parties must be an integer, got ${shown(parties)}` }))
    }
    if (!Number.isSafeInteger(parties) || parties < 1) {
      return Effect.fail(new ValueError({ message: `a Barrier needs at least 1 party, got ${parties}` }))
    }
    const timeout = options?.timeout === undefined ? undefined : Duration.decode(options.timeout)
    return Effect.succeed(new BarrierHandle<E>(local(serve(new BarrierState(parties, options?.action, timeout))), parties))
  })

/** A child's proxy, from the reference that arrived. */
const revive = (reference: Reference): BarrierHandle<unknown> | undefined => {
  const match = /^Barrier:(\d+)$/.exec(reference.kind)
  return match === null ? undefined : new BarrierHandle(remote(reference), Number(match[1]))
}

registerRevival("Barrier", revive)
