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
import { compatCustom, reviveCustom } from "./customProxy.js"
import * as Condition from "./condition.js"
import { EventHandle } from "./event.js"
import { EffectPrimitiveKey, type Face, HANDLE_KEY, type Placeholder } from "./handles.js"
import { isPrimitive, PrimitiveTypeId, type Reference, remote } from "./primitive.js"
import { SemLockHandle } from "./semLockHandle.js"
import { isSharedValueKind, reviveSharedValue } from "./sharedValueHandle.js"
import { wrapSharedValue } from "../compat/sharedctypes.js"
import { wrapQueue } from "../compat/queues.js"
import { makeRemote as makeRemoteQueue, parseKind as parseQueueKind } from "./queueHandle.js"
import { reviveManaged } from "./managedObjects.js"
import { wrapManaged } from "../compat/managed.js"

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

/** The containers the walks look into: what V8 carries that can hold a primitive. */
const isContainer = (value: object): boolean => {
  if (Array.isArray(value) || value instanceof Map || value instanceof Set) return true
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/** Whether a primitive is anywhere inside `value` (cycles and shared references visited once). */
const holdsPrimitive = (value: unknown, seen: Set<object>): boolean => {
  if (typeof value !== "object" || value === null || seen.has(value)) return false
  seen.add(value)
  if (toWireOne(value) !== undefined) return true
  if (!isContainer(value)) return false
  if (value instanceof Map) {
    for (const [key, item] of value) if (holdsPrimitive(key, seen) || holdsPrimitive(item, seen)) return true
    return false
  }
  const items = value instanceof Set ? [...value] : Array.isArray(value) ? value : Object.values(value)
  return items.some((item) => holdsPrimitive(item, seen))
}

/** A copy of `value` with primitives replaced by placeholders; cycles and shared references kept. */
const withPlaceholders = (value: unknown, copies: Map<object, unknown>): unknown => {
  if (typeof value !== "object" || value === null) return value
  const placeholder = toWireOne(value)
  if (placeholder !== undefined) return placeholder
  if (!isContainer(value)) return value
  if (copies.has(value)) return copies.get(value)
  if (Array.isArray(value)) {
    const out: Array<unknown> = new Array(value.length)
    copies.set(value, out)
    value.forEach((item, i) => (out[i] = withPlaceholders(item, copies)))
    return out
  }
  if (value instanceof Map) {
    const out = new Map()
    copies.set(value, out)
    for (const [key, item] of value) out.set(withPlaceholders(key, copies), withPlaceholders(item, copies))
    return out
  }
  if (value instanceof Set) {
    const out = new Set()
    copies.set(value, out)
    for (const item of value) out.add(withPlaceholders(item, copies))
    return out
  }
  const out = Object.create(Object.getPrototypeOf(value)) as Record<string, unknown>
  copies.set(value, out)
  for (const [key, item] of Object.entries(value)) {
    Object.defineProperty(out, key, { value: withPlaceholders(item, copies), writable: true, enumerable: true, configurable: true })
  }
  return out
}

/** `value` (just decoded, so ours to change) with placeholders revived in place. */
const revived = (value: unknown, seen: Set<object>): unknown => {
  if (typeof value !== "object" || value === null) return value
  const primitive = fromWireOne(value)
  if (primitive !== undefined) return primitive
  if (seen.has(value) || !isContainer(value)) return value
  seen.add(value)
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (typeof value[i] === "object") value[i] = revived(value[i], seen)
  } else if (value instanceof Map) {
    for (const [key, item] of [...value]) {
      const [newKey, newItem] = [revived(key, seen), revived(item, seen)]
      if (newKey !== key) value.delete(key)
      value.set(newKey, newItem)
    }
  } else if (value instanceof Set) {
    for (const item of [...value]) {
      const newItem = revived(item, seen)
      if (newItem !== item) {
        value.delete(item)
        value.add(newItem)
      }
    }
  } else {
    const record = value as Record<string, unknown>
    for (const key of Object.keys(record)) {
      const item = revived(record[key], seen)
      // defineProperty, not assignment: an own "__proto__" key is data here
      if (item !== record[key]) Object.defineProperty(record, key, { value: item, writable: true, enumerable: true, configurable: true })
    }
  }
  return value
}

installHandleCodec({
  toWire: (value) => holdsPrimitive(value, new Set()) ? withPlaceholders(value, new Map()) : undefined,
  fromWire: (value) => revived(value, new Set())
})
