/**
 * A queue's owner: its state (a QueueCore) and the table of operations every
 * holder calls — the owner's own as plain calls, another process's through
 * the owner's channel (see served/definition.ts).
 *
 * What another process gets stays leased to the proxy that asked (a `taker`)
 * until that proxy says it handed the items out (`ack`) or gives them back
 * (`giveBack`); if its process dies first, they go back to the front, in
 * order (`clientGone`). One proxy at a time holds a lease (see queueCore.ts).
 */
import { type Duration, type Effect, Exit } from "effect"
import { answersAtOnce, timeoutFromWire } from "../served/backend.js"
import type { Definition } from "../served/definition.js"
import { flatMap } from "../exitFastPath.js"
import { afterCatchUp, catchUp, catchUpOnce, type Client } from "../served/server.js"
import { OWNER_TAKER, type QueueCore, type QueueKind } from "./queueCore.js"

/**
 * The kind and maxsize of a queue's wire name ("Queue:10"), and the name of
 * its shared ring when it has one ("Queue:10@/emp-prim-…": the ring keeps its
 * maxsize, the owner's store of what overflowed has none); undefined when it
 * names something else.
 */
export const parseKind = (wire: string): { kind: QueueKind; maxsize: number; ring: string | undefined } | undefined => {
  const match = /^(Queue|JoinableQueue|SimpleQueue):(-?\d+)(?:@(\S+))?$/.exec(wire)
  return match === null ? undefined : { kind: match[1] as QueueKind, maxsize: Number(match[2]), ring: match[3] }
}

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

/** What reports the queue's state reads first what other processes posted before they asked. */
const caughtUp = <A>(f: (core: QueueCore) => A) => (core: QueueCore): A => (catchUp(), f(core))

export const definition: Definition<QueueCore> = {
  kind: (core) => core.ringName === undefined ? `${core.kind}:${core.maxsize}` : `${core.kind}:${core.ringMaxsize}@${core.ringName}`,
  operations: {
    /** A packed batch of one producer's items (one item for a bounded queue); the owner's own put reads first what others put before. */
    put: {
      run: (core, [batch, block, millis], _caller, client) => {
        if (client === undefined) catchUpOnce()
        return core.unsafePut(batch as Uint8Array, block !== false, timeoutFromWire(millis))
      }
    },
    /** Up to `want` items, packed; to another process, leased until it says it handed them out. */
    get: {
      run: (core, [want, block, millis, proxy], _caller, client) => {
        if (client === undefined) catchUpOnce() // items a consumer gave back before this get was caused come first
        const timeout = timeoutFromWire(millis)
        const taker = takerOf(client, proxy)
        const got = settled(() => core.unsafeGet(Math.max(1, want as number), block !== false, timeout, taker), block !== false, timeout)
        if (client === undefined) return got
        return flatMap(got, (batch) => {
          // Got for a process that has gone (after its leases went back): back to the front as well.
          if (core.goneClients.has(client)) core.giveBackLeased(taker, Infinity)
          return Exit.succeed(batch)
        })
      }
    },
    /** An unbounded queue's puts from another process, gathered per tick into one packed batch (CPython's feeder thread does that job). */
    putMany: { crosses: "posted", run: (core, [batch]) => core.unsafePut(batch as Uint8Array) },
    /** Items taken by the owner's own holder and not handed out after all (an item that did not decode): back to the front. */
    putBack: { run: (core, [batch]) => (core.giveBack(batch as Uint8Array), Exit.void) },
    ack: { crosses: "posted", run: (core, [proxy, count], _caller, client) => (core.ack(takerOf(client, proxy), count as number), Exit.void) },
    giveBack: {
      crosses: "posted",
      run: (core, [proxy, count], _caller, client) => (core.giveBackLeased(takerOf(client, proxy), count as number), Exit.void)
    },
    qsize: { run: caughtUp((core) => Exit.succeed(core.size)) },
    full: { run: caughtUp((core) => Exit.succeed(core.isFull)) },
    taskDone: { run: (core, [count]) => core.taskDone(count as number) },
    join: { run: caughtUp((core) => core.unsafeJoin()) },
    // Puts other processes sent before they asked for the end go in first.
    end: { run: caughtUp((core) => (core.end(), Exit.void)) }
  },
  // A process gone (killed, perhaps): the items its proxies took and had not handed out go back to the front.
  clientGone: (core, _pid, client) => {
    if (core.goneClients.has(client)) return
    core.goneClients.add(client)
    for (const taker of takers.get(client)?.values() ?? []) core.giveBackLeased(taker, Infinity)
  },
  unregistered: (core) => core.shutdown()
}
