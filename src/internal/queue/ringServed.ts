/**
 * A queue with a shared ring, served by its owner to the processes that
 * cannot map the ring (the addon is absent there, or the attach fails: see
 * served/throughOwner.ts). To them it is a served queue (the served table's
 * operations, operations.ts), registered beside the owner's store under the
 * store's id and RING_SERVED; the owner runs each operation on its own
 * mapping of the ring, so their items and those of the processes that map it
 * are the same items, in each producer's order.
 *
 * A get hands over one item at a time: items taken from the ring cannot go
 * back to its front, so a consumer's prefetch keeps none it could give back.
 * An item is taken once the owner answers, as Python's get takes it from its
 * pipe: one in flight to a consumer that dies then is lost.
 */
import { Duration, Effect, Exit } from "effect"
import type { OwnerGoneError } from "../../Errors.js"
import type { PutError } from "../../ProcessQueue.js"
import { timeoutFromWire } from "../served/backend.js"
import type { Definition } from "../served/definition.js"
import { flatMap } from "../exitFastPath.js"
import { pack, unpack } from "../wire/itemBatch.js"
import type { QueueKind } from "./queueCore.js"
import type { RingQueue } from "./ringQueue.js"

/** What the served queue's id is, after the owner's store's id. */
export const RING_SERVED = "/ring"

export interface RingServed {
  readonly kind: QueueKind
  readonly maxsize: number
  readonly queue: RingQueue
  /** The owner's `end`: the ring, then its store of what overflowed. */
  readonly end: Effect.Effect<void, OwnerGoneError>
}

/** `items` put one after another, each as `block` and `timeout` say. */
const putAll = (
  served: RingServed,
  items: ReadonlyArray<Uint8Array>,
  block: boolean,
  timeout: Duration.Duration | undefined
): Effect.Effect<void, PutError<never>> => {
  let at = 0
  const next = (): Effect.Effect<void, PutError<never>> =>
    at === items.length ? Exit.void : flatMap(served.queue.put(items[at++], block, timeout), next)
  return next()
}

export const definition: Definition<RingServed> = {
  kind: (served) => `${served.kind}:${served.maxsize}`,
  operations: {
    put: { run: (served, [batch, block, millis]) => putAll(served, unpack(batch as Uint8Array), block !== false, timeoutFromWire(millis)) },
    putMany: { crosses: "posted", run: (served, [batch]) => putAll(served, unpack(batch as Uint8Array), true, undefined) },
    get: {
      run: (served, [, block, millis]) => flatMap(served.queue.take(block !== false, timeoutFromWire(millis), 1), (items) => Exit.succeed(pack(items)))
    },
    // Nothing is leased (see above): nothing to acknowledge or give back.
    ack: { crosses: "posted", run: () => Exit.void },
    giveBack: { crosses: "posted", run: () => Exit.void },
    qsize: { run: (served) => Exit.succeed(served.queue.ring.size) },
    full: { run: (served) => Exit.succeed(served.queue.ring.isFull) },
    taskDone: {
      run: (served, [count]) => {
        for (let done = 0; done < (count as number); done++) {
          const exit = served.queue.taskDone()
          if (Exit.isFailure(exit)) return exit
        }
        return Exit.void
      }
    },
    join: { run: (served) => served.queue.join() },
    end: { run: (served) => served.end }
  }
}
