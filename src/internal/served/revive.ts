/**
 * Shared primitives as they arrive in another process: the same face's proxy
 * for each reference. Loading this module also teaches the default codec to
 * carry primitives inside values sent over a Connection (as references, like
 * Process arguments); the library's entry points and the child bootstrap load it.
 */
import {
  Barrier as CompatBarrier,
  Condition as CompatCondition,
  Event as CompatEvent,
  wrapSemLock
} from "../../compat/synchronize.js"
import * as Barrier from "../sync/barrier.js"
import { installHandleCodec } from "../codec/codec.js"
import { compatCustom, reviveCustom } from "../manager/customProxy.js"
import * as Condition from "../sync/condition.js"
import { EventHandle } from "../sync/event.js"
import { EffectPrimitiveKey, type Face, HANDLE_KEY, mapHandles, type Placeholder } from "./placeholders.js"
import { isPrimitive, PrimitiveTypeId, type Reference, remote } from "./backend.js"
import { SemLockHandle } from "../lock/semLockHandle.js"
import { isSharedValueKind, reviveSharedValue } from "../sharedValue/sharedValueHandle.js"
import { wrapSharedValue } from "../../compat/sharedctypes.js"
import { wrapQueue } from "../../compat/queues.js"
import { makeRemote as makeRemoteQueue, parseKind as parseQueueKind } from "../queue/queueHandle.js"
import { reviveManaged } from "../manager/managedObjects.js"
import { wrapManaged } from "../../compat/managed.js"

/** The same face's object for a shared primitive that arrived as a reference. */
export const revivePrimitive = (reference: Reference, face: Face): unknown => {
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
  if (isSharedValueKind(kind)) {
    const handle = reviveSharedValue(backend, kind)
    return face === "compat" ? wrapSharedValue(handle) : handle
  }
  const queue = parseQueueKind(kind)
  if (queue !== undefined) {
    const handle = makeRemoteQueue(backend, queue.kind, queue.maxsize)
    return face === "compat" ? wrapQueue(handle) : handle
  }
  const managed = reviveManaged(backend, kind) // a Manager's list, dict or Namespace
  if (managed !== undefined) return face === "compat" ? wrapManaged(managed) : managed
  const custom = reviveCustom(reference)
  if (custom !== undefined) return face === "compat" ? compatCustom(custom) : custom
  throw new Error(`cannot revive a shared ${kind}: this version does not know it`)
}

/** The reference placeholder for a primitive (either face), or undefined for anything else. */
const toWireOne = (value: object): Placeholder | undefined => {
  if (isPrimitive(value)) return { [HANDLE_KEY]: { primitive: value[PrimitiveTypeId].reference(), face: "effect" } }
  const inner = (value as Record<symbol, unknown>)[EffectPrimitiveKey]
  return isPrimitive(inner) ? { [HANDLE_KEY]: { primitive: inner[PrimitiveTypeId].reference(), face: "compat" } } : undefined
}

const fromWireOne = (value: object): unknown | undefined => {
  if (!(HANDLE_KEY in value)) return undefined
  const held = (value as Placeholder)[HANDLE_KEY]
  return "primitive" in held ? revivePrimitive(held.primitive, held.face) : undefined
}

installHandleCodec({
  // Not toWireOne: a reference starts the owner's server, which only sending needs.
  isHandle: (value) => isPrimitive(value) || isPrimitive((value as Record<symbol, unknown>)[EffectPrimitiveKey]),
  toWire: (value) => mapHandles(value, toWireOne),
  fromWire: (value) => mapHandles(value, fromWireOne)
})
