/**
 * Shared objects as they arrive in another process: each kind registers how
 * its Effect object is rebuilt from a Reference (`registerRevival`, next to the
 * object's own definition), and the compat face registers how it wraps one
 * (`internal/faces.ts`); an object arrives in the face it left. Loading this
 * module also teaches the default codec to carry shared objects inside values
 * sent over a Connection (as references, like Process arguments).
 */
import { installHandleCodec } from "../codec/codec.js"
import { compatEntry, compatWrapper, FamilyKey, wrappedByCompat } from "../faces.js"
import { asAttachable, attach, AttachableTypeId, isAttachable } from "./attachable.js"
import { isPrimitive, PrimitiveTypeId, type Reference } from "./backend.js"
import { type Face, HANDLE_KEY, mapHandles, type Placeholder } from "./placeholders.js"

interface Revival {
  /** The kind family the compat face registers its wrapper under ("Lock" for Lock, RLock, Semaphore …). */
  readonly family: string
  /** The Effect object for a reference of this family, or undefined when the kind is not one of it. */
  readonly revive: (reference: Reference) => unknown
}

const revivals: Array<Revival> = []

/** How the Effect objects of one kind family are rebuilt from their references. */
export const registerRevival = (family: string, revive: (reference: Reference) => unknown): void => {
  revivals.push({ family, revive })
}

/** The same face's object for a shared object that arrived as a reference. */
export const revivePrimitive = (reference: Reference, face: Face, faceEntry?: string): unknown => {
  for (const { family, revive } of revivals) {
    const revived = revive(reference)
    if (revived === undefined) continue
    if (typeof revived === "object" && revived !== null) Object.defineProperty(revived, FamilyKey, { value: family })
    return face === "compat" ? compatWrapper(family, revived, faceEntry) : revived
  }
  throw new Error(`cannot revive a shared ${reference.kind}: this version does not know it`)
}

/** The reference placeholder for a shared object (either face), or undefined for anything else. */
const toWireOne = (value: object): Placeholder | undefined => {
  if (isPrimitive(value)) return { [HANDLE_KEY]: { primitive: value[PrimitiveTypeId].reference(), face: "effect" } }
  const inner = wrappedByCompat(value)
  if (isPrimitive(inner)) {
    return { [HANDLE_KEY]: { primitive: inner[PrimitiveTypeId].reference(), face: "compat", faceEntry: compatEntry() } }
  }
  const attachable = asAttachable(value)
  if (attachable === undefined) return undefined
  const attachment = attachable.attachable[AttachableTypeId]()
  return { [HANDLE_KEY]: attachable.face === "compat" ? { attachment, face: "compat", faceEntry: compatEntry() } : { attachment, face: "effect" } }
}

const fromWireOne = (value: object): unknown | undefined => {
  if (!(HANDLE_KEY in value)) return undefined
  const held = (value as Placeholder)[HANDLE_KEY]
  if ("primitive" in held) return revivePrimitive(held.primitive, held.face, held.faceEntry)
  return "attachment" in held ? attach(held.attachment, held.face, held.faceEntry) : undefined
}

installHandleCodec({
  // Not toWireOne: a reference starts the owner's server, which only sending needs.
  isHandle: (value) => {
    if (isPrimitive(value) || isAttachable(value)) return true
    const inner = wrappedByCompat(value)
    return isPrimitive(inner) || isAttachable(inner)
  },
  toWire: (value) => mapHandles(value, toWireOne),
  fromWire: (value) => mapHandles(value, fromWireOne)
})
