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
} from "../compat/synchronize.js"
import * as Barrier from "./barrier.js"
import { installHandleCodec } from "./codec.js"
import * as Condition from "./condition.js"
import { EventHandle } from "./event.js"
import { EffectPrimitiveKey, type Face, HANDLE_KEY, mapHandles, type Placeholder } from "./handles.js"
import { isPrimitive, PrimitiveTypeId, type Reference, remote } from "./primitive.js"
import { SemLockHandle } from "./semLockHandle.js"
import { isSharedValueKind, reviveSharedValue } from "./sharedValueHandle.js"
import { wrapSharedValue } from "../compat/sharedctypes.js"

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
  throw new Error(`cannot revive a shared ${kind}: this version does not know it`)
}

const toWire = (value: unknown): unknown | undefined => {
  if (typeof value !== "object" || value === null) return undefined
  if (isPrimitive(value)) return { [HANDLE_KEY]: { primitive: value[PrimitiveTypeId].reference(), face: "effect" } }
  const inner = (value as Record<symbol, unknown>)[EffectPrimitiveKey]
  return isPrimitive(inner) ? { [HANDLE_KEY]: { primitive: inner[PrimitiveTypeId].reference(), face: "compat" } } : undefined
}

const fromWire = (value: unknown): unknown | undefined => {
  if (typeof value !== "object" || value === null || !(HANDLE_KEY in value)) return undefined
  const held = (value as Placeholder)[HANDLE_KEY]
  return "primitive" in held ? revivePrimitive(held.primitive, held.face) : undefined
}

installHandleCodec({
  toWire: (value) => mapHandles(value, toWire),
  fromWire: (value) => mapHandles(value, fromWire)
})
