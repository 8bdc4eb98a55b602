/**
 * Event shared across processes: Python's `multiprocessing.Event`, a flag
 * processes wait on. The flag and its waiters live with the owner.
 */
import { Deferred, Duration, Effect, Exit } from "effect"
import { type OwnerGoneError, ValueError } from "../../Errors.js"
import { awaitWithin, type Backend, local, type Primitive, PrimitiveTypeId, processCaller, remote, timeoutFromWire, timeoutToWire } from "../served/backend.js"
import type { Served } from "../served/server.js"
import { registerRevival } from "../served/revive.js"

class EventState {
  private flag = false
  private waiters: Array<Deferred.Deferred<void>> = []

  isSet(): boolean {
    return this.flag
  }

  set(): void {
    this.flag = true
    const woken = this.waiters
    this.waiters = []
    for (const waiter of woken) Deferred.unsafeDone(waiter, Effect.void)
  }

  clear(): void {
    this.flag = false
  }

  /** True once the flag is set; false if `timeout` runs out first. Interrupting withdraws the wait. */
  unsafeWait(timeout: Duration.Duration | undefined): Effect.Effect<boolean> {
    if (this.flag) return Effect.succeed(true)
    if (timeout !== undefined && Duration.lessThanOrEqualTo(timeout, Duration.zero)) return Effect.succeed(false)
    const waiter = Deferred.unsafeMake<void>(undefined as never)
    this.waiters.push(waiter)
    const withdraw = Effect.sync(() => {
      this.waiters = this.waiters.filter((w) => w !== waiter)
    })
    // A set that lands as the timeout runs out still counts, as Python's re-check of the flag has it.
    const wait = Effect.map(awaitWithin(Deferred.await(waiter), timeout), (woke) => woke || this.flag)
    return Effect.ensuring(wait, withdraw)
  }
}

const serve = (state: EventState): Served => ({
  kind: "Event",
  unsafeCall: (method, args) => {
    switch (method) {
      case "isSet":
        return Effect.succeed(state.isSet())
      case "set":
        state.set()
        return Exit.void
      case "clear":
        state.clear()
        return Exit.void
      case "wait": {
        const [millis] = args as [number | null]
        return state.unsafeWait(timeoutFromWire(millis))
      }
      default:
        return Effect.fail(new ValueError({ message: `Event has no operation ${method}` }))
    }
  }
})


export class EventHandle implements Primitive {
  readonly [PrimitiveTypeId]: Backend

  constructor(backend: Backend) {
    this[PrimitiveTypeId] = backend
  }

  private call<A>(method: string, args: ReadonlyArray<unknown> = []): Effect.Effect<A, OwnerGoneError> {
    return this[PrimitiveTypeId].call(method, args, processCaller()) as Effect.Effect<A, OwnerGoneError>
  }

  unsafeIsSet(): Effect.Effect<boolean, OwnerGoneError> {
    return this.call("isSet")
  }
  unsafeSet(): Effect.Effect<void, OwnerGoneError> {
    return this.call("set")
  }
  unsafeClear(): Effect.Effect<void, OwnerGoneError> {
    return this.call("clear")
  }
  unsafeWait(timeout?: Duration.Duration): Effect.Effect<boolean, OwnerGoneError> {
    return this.call("wait", [timeoutToWire(timeout)])
  }

  /** Whether the flag is set. */
  get isSet(): Effect.Effect<boolean, OwnerGoneError> {
    return Effect.suspend(() => this.unsafeIsSet())
  }
  /** Sets the flag and wakes every waiter. */
  get set(): Effect.Effect<void, OwnerGoneError> {
    return Effect.suspend(() => this.unsafeSet())
  }
  /** Clears the flag. */
  get clear(): Effect.Effect<void, OwnerGoneError> {
    return Effect.suspend(() => this.unsafeClear())
  }
  /** Waits until the flag is set (true), or `timeout` runs out (false). */
  wait(timeout?: Duration.DurationInput): Effect.Effect<boolean, OwnerGoneError> {
    return Effect.suspend(() => this.unsafeWait(timeout === undefined ? undefined : Duration.decode(timeout)))
  }
}

/** The owner's side. */
export const makeLocal = (): EventHandle => new EventHandle(local(serve(new EventState())))

registerRevival("Event", (reference) => reference.kind === "Event" ? new EventHandle(remote(reference)) : undefined)
