/**
 * Event served by its owner: the flag and its waiters live with the owner;
 * every holder's operations are calls to it (see served/definition.ts). Where
 * the native addon is loaded, a new Event lives in shared memory instead
 * (sharedMemoryEvent.ts).
 */
import { Deferred, Duration, Effect, Exit, type Scope } from "effect"
import type { OwnerGoneError, TimeoutError, TypeError, ValueError } from "../../Errors.js"
import { failOnFalseElseVoid } from "../timedWait.js"
import type * as Public from "../../Event.js"
import { awaitWithin, checkedWait, PrimitiveTypeId, remote, scopedServed, timeoutFromWire, timeoutToWire } from "../served/backend.js"
import { type Definition, serveLocal, SharedObject } from "../served/definition.js"
import { registerRevival } from "../served/revive.js"
import { servedKind } from "../served/throughOwner.js"
import { currentIdentity } from "../thisProcess/currentProcess.js"
import * as Shm from "./sharedMemoryEvent.js"

class EventState {
  flag = false
  waiters: Array<Deferred.Deferred<void>> = []

  set(): void {
    this.flag = true
    const woken = this.waiters
    this.waiters = []
    for (const waiter of woken) Deferred.unsafeDone(waiter, Effect.void)
  }

  /** True once the flag is set; false if `timeout` runs out first. Interrupting withdraws the wait. */
  wait(timeout: Duration.Duration | undefined): Effect.Effect<boolean> {
    if (this.flag) return Exit.succeed(true)
    if (timeout !== undefined && Duration.lessThanOrEqualTo(timeout, Duration.zero)) return Exit.succeed(false)
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

const definition: Definition<EventState> = {
  kind: () => "Event",
  operations: {
    isSet: { run: (state) => Exit.succeed(state.flag) },
    set: { run: (state) => (state.set(), Exit.void) },
    clear: { run: (state) => ((state.flag = false), Exit.void) },
    wait: { run: (state, [millis]) => state.wait(timeoutFromWire(millis)) }
  }
}

export class EventHandle extends SharedObject implements Public.Event {
  readonly isSet = this.op<boolean, OwnerGoneError>("isSet")
  readonly set = this.op<void, OwnerGoneError>("set")
  readonly clear = this.op<void, OwnerGoneError>("clear")
  wait(timeout?: Duration.DurationInput): Effect.Effect<void, OwnerGoneError | TimeoutError | TypeError | ValueError> {
    const checked = checkedWait("Event.wait", undefined, timeout)
    if (checked._tag === "Left") return Exit.fail(checked.left)
    return failOnFalseElseVoid(this.op<boolean, OwnerGoneError>("wait", [timeoutToWire(checked.right)]), "Event.wait", checked.right)
  }
}

/** Whether `u` is an Event of either backend. */
export const isEvent = (u: unknown): u is Public.Event => u instanceof EventHandle || u instanceof Shm.SharedMemoryEvent

/** A new Event, usable while the Scope is open: in shared memory when the addon is loaded, else served by this process. */
export const make = (): Effect.Effect<Public.Event, never, Scope.Scope> =>
  scopedServed(Effect.sync(() => {
    const handle = Shm.available()
      ? Shm.makeLocal(currentIdentity().name)
      : new EventHandle(serveLocal(definition, new EventState()), definition.operations)
    return { handle, ids: [handle[PrimitiveTypeId].id] }
  }))

// Also an Event in shared memory that this process cannot map: its maker serves it (served/throughOwner.ts).
registerRevival("Event", (reference) => servedKind(reference) === "Event" ? new EventHandle(remote(reference), definition.operations) : undefined)
