/**
 * Objects that travel to another process by name and are attached there, with
 * no owner to serve them: a shared memory segment (Python pickles its
 * SharedMemory as its name). Such an object says what it is as plain data
 * (`AttachableTypeId`); the receiving process rebuilds it with the function its
 * family registered (`registerAttach`), in the face it was sent from.
 */
import { compatWrapper, FamilyKey, wrappedByCompat } from "../faces.js"

export const AttachableTypeId: unique symbol = Symbol.for("effect-multiprocessing/Attachable") as never

/** What an attachable object travels as: its family and the plain data it is attached by. */
export interface Attachment {
  readonly family: string
  readonly state: unknown
}

export interface Attachable {
  readonly [AttachableTypeId]: () => Attachment
}

export const isAttachable = (u: unknown): u is Attachable =>
  typeof u === "object" && u !== null && AttachableTypeId in u

/** The attachable object `u` is or wraps (compat), with its face. */
export const asAttachable = (u: unknown): { attachable: Attachable; face: "effect" | "compat" } | undefined => {
  if (isAttachable(u)) return { attachable: u, face: "effect" }
  const inner = wrappedByCompat(u)
  return isAttachable(inner) ? { attachable: inner, face: "compat" } : undefined
}

const attachers = new Map<string, (state: unknown) => unknown>()

/** How the Effect objects of one family are attached from what they travel as. */
export const registerAttach = (family: string, attach: (state: unknown) => unknown): void => {
  attachers.set(family, attach)
}

/** The same face's object for an attachment that arrived. */
export const attach = (attachment: Attachment, face: "effect" | "compat", faceEntry?: string): unknown => {
  const attacher = attachers.get(attachment.family)
  if (attacher === undefined) throw new Error(`cannot attach a ${attachment.family}: this version does not know it`)
  const attached = attacher(attachment.state)
  if (typeof attached === "object" && attached !== null) Object.defineProperty(attached, FamilyKey, { value: attachment.family })
  return face === "compat" ? compatWrapper(attachment.family, attached, faceEntry) : attached
}
