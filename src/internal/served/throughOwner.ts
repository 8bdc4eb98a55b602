/**
 * Shared-memory objects for processes that cannot map them. A Lock, Value,
 * Queue … made where the addon is loaded lives in a segment that every process
 * holding it maps; a process that cannot (the addon is absent or disabled
 * there, or the attach fails: another machine, a remote manager's client) is
 * served by the object's maker instead, as on the served backend: its
 * operations go over the maker's channel, and the maker runs them on its own
 * mapping, so both kinds of process share one object.
 *
 * The choice is made once per process, where a reference arrives
 * (`servedHere`): mapped, or served through its maker. The maker serves an
 * object from the first time it travels (`servedAt`), under the object's own
 * id, by a table of the served kind's operations derived from the
 * shared-memory object's own (each family defines it next to the object), so
 * the served kind's proxy (LockHandle, EventHandle …) is the client.
 *
 * Waits the maker runs for a client are asynchronous (the addon's waiter
 * thread): from its first call on, this process never naps (native/futexWait.ts). A
 * lock taken for a client is held by a stand-in of it in this thread: the
 * lock word must name a thread that lives on this machine, and one that
 * lives as long as the client is served; when the client goes, what its
 * stand-ins hold is released.
 */
import { Effect, Exit } from "effect"
import { StartNowKey } from "../faces.js"
import { stopNapping } from "../native/futexWait.js"
import { attach, type Segment } from "../native/segment.js"
import { segmentOf, SHM_ID_PREFIX } from "../native/segmentIds.js"
import { nextOwner } from "../thisProcess/thisThread.js"
import { threadCaller, type Reference } from "./backend.js"
import { type Definition, serve } from "./definition.js"
import * as ResourceServer from "./server.js"

/**
 * The segment of a shared-memory object's id, mapped here; undefined when it
 * cannot be (no addon here, the attach fails, or it is another process's
 * thread memory).
 */
export const mapped = (id: string): Segment | undefined => attach(segmentOf(id))

/**
 * Whether the shared-memory object `reference` names is served here through
 * its maker: its segment cannot be mapped in this process, and the reference
 * says where its maker serves it.
 */
export const servedHere = (reference: Reference): boolean =>
  reference.kind.startsWith(SHM_ID_PREFIX) && reference.address !== "" && mapped(reference.id) === undefined

/**
 * The served kind a proxy of `reference` is made for here: its own kind for a
 * served object, the kind after "shm:" for a shared-memory object served
 * here through its maker; undefined for one mapped here.
 */
export const servedKind = (reference: Reference): string | undefined =>
  !reference.kind.startsWith(SHM_ID_PREFIX) ? reference.kind : servedHere(reference) ? reference.kind.slice(SHM_ID_PREFIX.length) : undefined

/** The objects this process serves to processes that cannot map them, by id. */
const serving = new Set<string>()

/**
 * Serves the shared-memory object `id` of this process by `definition` over
 * `state` (once), and gives the address it is served at.
 */
export const servedAt = <S>(id: string, definition: Definition<S>, state: S): Reference["address"] => {
  if (!serving.has(id)) {
    serving.add(id)
    const served = serve(definition, state)
    // Until its maker's Scope closes (served/backend.ts `scopedServed`).
    ResourceServer.registerAs(id, {
      ...served,
      unsafeCall: (method, args, caller, client) => {
        // A client that cannot map it calls: this process waits for it from now on.
        stopNapping()
        return served.unsafeCall(method, args, caller, client)
      },
      unregistered: () => serving.delete(id)
    })
  }
  return ResourceServer.address()
}

/** What an operation's Effect does at once when started (see faces.ts `operation`): an Exit when it is done. */
export const startNow = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E> => {
  const start = (effect as { [StartNowKey]?: () => Effect.Effect<A, E> })[StartNowKey]
  return start === undefined ? effect : start()
}

interface StandIn {
  readonly caller: string
  /**
   * The locks it may hold. A lock is forgotten when the stand-in gives it back,
   * or, if another process released it, when the client's process goes (see
   * `releasedFor`): a count would never reach zero then, and the entry would stay.
   */
  readonly holding: Set<object>
}

/** The stand-ins of clients' callers, by the client's caller. */
const standIns = new Map<string, StandIn>()

/**
 * The caller a lock is taken for in this process on behalf of `client` (a
 * caller of another process): an owner of its own in this thread, the same
 * for every lock and Condition this process serves.
 */
export const standIn = (client: string): string => {
  let found = standIns.get(client)
  if (found === undefined) standIns.set(client, found = { caller: `${threadCaller()}:${nextOwner()}`, holding: new Set() })
  return found.caller
}

/** Whether `client`'s stand-in still holds `lock`; a stand-in that holds nothing is forgotten. */
export const noteHolding = (client: string, lock: object, holds: boolean): void => {
  const found = standIns.get(client)
  if (found === undefined) return
  if (holds) found.holding.add(lock)
  else found.holding.delete(lock)
  if (found.holding.size === 0) standIns.delete(client)
}

/** An acquire's success for `client` noted (see `noteHolding`), still an Exit when it is one. */
export const counted = (client: string, lock: object, acquired: Effect.Effect<boolean, unknown>): Effect.Effect<boolean, unknown> => {
  const note = (taken: boolean) => {
    if (taken) noteHolding(client, lock, true)
    return taken
  }
  return Exit.isExit(acquired) ? Exit.map(acquired as Exit.Exit<boolean, unknown>, note) : Effect.map(acquired, note)
}

/** How many clients' stand-ins this process keeps (what a test checks is forgotten). */
export const standInCount = (): number => standIns.size

/** The stand-in of `client` if it has one (else a caller that holds nothing). */
export const standInOf = (client: string): string => standIns.get(client)?.caller ?? ""

/**
 * The stand-ins of the clients of the process `pid` (a caller's process part,
 * see server.ts `processOf`), with their clients: what they hold is released
 * when it has gone.
 */
export const standInsOf = (pid: string): ReadonlyArray<readonly [client: string, caller: string]> => {
  const found: Array<readonly [string, string]> = []
  for (const [client, { caller }] of standIns) {
    if (client === pid || client.startsWith(`${pid}:`)) found.push([client, caller])
  }
  return found
}
