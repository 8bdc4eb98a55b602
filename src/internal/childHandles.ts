/**
 * The child's side of `handles.ts`: turns placeholders back into Connections
 * over the descriptors the parent handed over, and into proxies of shared
 * primitives. Loaded by the bootstrap only
 * when there are handles, since it brings Effect with it.
 */
import * as net from "node:net"
import { Effect } from "effect"
import { Connection as CompatConnection } from "../compat/connection.js"
import * as Serializer from "../Serializer.js"
import { ConnectionImpl } from "./connection.js"
import * as FramedSocket from "./framedSocket.js"
import {
  Barrier as CompatBarrier,
  Condition as CompatCondition,
  Event as CompatEvent,
  wrapSemLock
} from "../compat/synchronize.js"
import * as Barrier from "./barrier.js"
import * as Condition from "./condition.js"
import { EventHandle } from "./event.js"
import { type Face, HANDLE_KEY, mapHandles, type Placeholder } from "./handles.js"
import { type Reference, remote } from "./primitive.js"
import { SemLockHandle } from "./semLockHandle.js"

const isPlaceholder = (u: unknown): u is Placeholder => typeof u === "object" && u !== null && HANDLE_KEY in u

/** The same face's object for a shared primitive that arrived as a reference. */
const revivePrimitive = (reference: Reference, face: Face): unknown => {
  const backend = remote(reference)
  const kind = reference.kind
  if (kind === "Lock" || kind === "RLock" || kind === "Semaphore" || kind === "BoundedSemaphore") {
    const handle = new SemLockHandle(backend, kind)
    return face === "compat" ? wrapSemLock(handle) : handle
  }
  if (kind === "Event") {
    const handle = new EventHandle(backend)
    return face === "compat" ? new CompatEvent(handle) : handle
  }
  const condition = Condition.revive(reference)
  if (condition !== undefined) return face === "compat" ? new CompatCondition(condition) : condition
  const barrier = Barrier.revive(reference)
  if (barrier !== undefined) return face === "compat" ? new CompatBarrier(barrier) : barrier
  throw new Error(`cannot revive a shared ${kind}: this version does not know it`)
}

const revive = (placeholder: Placeholder) => {
  const held = placeholder[HANDLE_KEY]
  if ("primitive" in held) return revivePrimitive(held.primitive, held.face)
  const { face, fd, readable, writable } = held
  const framed = Effect.runSync(FramedSocket.make(new net.Socket({ fd, readable: true, writable: true })))
  const connection = new ConnectionImpl(framed, Serializer.unknown, readable, writable)
  return face === "compat" ? new CompatConnection(connection) : connection
}

export const reviveHandles = (args: ReadonlyArray<unknown>): Array<unknown> =>
  args.map((arg) => mapHandles(arg, (value) => (isPlaceholder(value) ? revive(value) : undefined)))
