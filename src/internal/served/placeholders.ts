/**
 * What a child gets in place of the handles among its arguments:
 * - Connection ends: the descriptor itself is handed over (an extra stdio slot
 *   of the spawn, from fd 4 on), so data never routes through the parent;
 * - shared primitives (locks, values …): their reference (kind, id, the owner's
 *   address), which becomes a proxy reaching the owner;
 * - objects attached by name (a shared memory segment): what they are attached by.
 * In the arguments each becomes a placeholder; the child revives it
 * (`revivePlaceholders.ts`) as the same face's object.
 */
import type { Socket } from "node:net"
import { FIRST_HANDLE_FD } from "../child/controlMessages.js"
import { shapeOf } from "../codec/codec.js"
import { ConnectionTypeId, type ConnectionImpl } from "../connection/connection.js"
import { compatEntry, wrappedByCompat } from "../faces.js"
import { asAttachable, AttachableTypeId, type Attachment } from "./attachable.js"
import { isPrimitive, type Primitive, PrimitiveTypeId, type Reference } from "./backend.js"

/** The key of a placeholder; a plain object with it never travels as data. */
export const HANDLE_KEY = "__effectMultiprocessingHandle__"

export { FIRST_HANDLE_FD }

export type Face = "effect" | "compat"

export interface Placeholder {
  readonly [HANDLE_KEY]:
    & {
      readonly face: Face
      /** The compat face's entry module, for a receiver that has not loaded it (see faces.ts). */
      readonly faceEntry?: string
    }
    & (
      | {
        readonly fd: number
        readonly readable: boolean
        readonly writable: boolean
        /** Bytes the parent had read ahead and not received: the first of the stream for the child. */
        readonly unread?: Uint8Array
      }
      | { readonly primitive: Reference }
      | { readonly attachment: Attachment }
    )
}

/** The face of a placeholder, and where to load it from when it is the compat face. */
const faceOf = (face: Face) => (face === "compat" ? { face, faceEntry: compatEntry() } : { face })


const asPrimitive = (u: unknown): { primitive: Primitive; face: Face } | undefined => {
  if (isPrimitive(u)) return { primitive: u, face: "effect" }
  if (typeof u !== "object" || u === null) return undefined
  const inner = wrappedByCompat(u)
  return isPrimitive(inner) ? { primitive: inner, face: "compat" } : undefined
}

const asConnection = (u: unknown): { connection: ConnectionImpl<any, any>; face: "effect" | "compat" } | undefined => {
  if (typeof u !== "object" || u === null) return undefined
  if (ConnectionTypeId in u) return { connection: u as ConnectionImpl<any, any>, face: "effect" }
  const inner = wrappedByCompat(u)
  return typeof inner === "object" && inner !== null && ConnectionTypeId in inner
    ? { connection: inner as ConnectionImpl<any, any>, face: "compat" }
    : undefined
}

/**
 * A copy of `value` with `replace` applied to each object it answers for, at
 * any depth of what V8 carries (arrays, Maps, Sets, plain objects, and class
 * instances, which V8 copies as plain objects of their fields); cycles and
 * shared references are kept. `value` itself when nothing was replaced.
 */
export const mapHandles = (value: unknown, replace: (value: object) => unknown | undefined): unknown => {
  const copies = new Map<object, unknown>()
  let replacedAny = false
  const go = (value: unknown): unknown => {
    if (typeof value !== "object" || value === null) return value
    if (copies.has(value)) return copies.get(value)
    const replaced = replace(value)
    if (replaced !== undefined) {
      replacedAny = true
      copies.set(value, replaced)
      return replaced
    }
    switch (shapeOf(value)) {
      case "opaque":
        return value
      case "array": {
        const out: Array<unknown> = new Array((value as Array<unknown>).length)
        copies.set(value, out)
        ;(value as Array<unknown>).forEach((item, i) => (out[i] = go(item)))
        return out
      }
      case "map": {
        const out = new Map()
        copies.set(value, out)
        for (const [key, item] of value as Map<unknown, unknown>) out.set(go(key), go(item))
        return out
      }
      case "set": {
        const out = new Set()
        copies.set(value, out)
        for (const item of value as Set<unknown>) out.add(go(item))
        return out
      }
      case "record": {
        const out = Object.create(Object.getPrototypeOf(value)) as Record<string, unknown>
        copies.set(value, out)
        for (const key of Object.keys(value)) {
          // defineProperty, not assignment: an own "__proto__" key is data here
          Object.defineProperty(out, key, { value: go((value as Record<string, unknown>)[key]), writable: true, enumerable: true, configurable: true })
        }
        return out
      }
    }
  }
  const out = go(value)
  return replacedAny ? out : value
}

/**
 * Replaces every Connection and shared primitive in `args` (at any depth, see
 * `mapHandles`) with a placeholder; gives the sockets to hand over.
 * `descriptorFor` names the descriptor the child will find each at: 4, 5 …
 * in a child process's stdio; a thread's own copy (the process's descriptors
 * are its descriptors too).
 */
export const extractHandles = (
  args: ReadonlyArray<unknown>,
  descriptorFor: (socket: Socket, index: number) => number = (_socket, index) => FIRST_HANDLE_FD + index
): { args: Array<unknown>; sockets: Array<Socket>; placeholders: boolean } => {
  const sockets: Array<Socket> = []
  let placeholders = false
  const toPlaceholder = (value: object): Placeholder | undefined => {
    const primitive = asPrimitive(value)
    if (primitive !== undefined) {
      placeholders = true
      return {
        [HANDLE_KEY]: {
          primitive: primitive.primitive[PrimitiveTypeId].reference(),
          ...faceOf(primitive.face)
        }
      }
    }
    const attachable = asAttachable(value)
    if (attachable !== undefined) {
      placeholders = true
      return { [HANDLE_KEY]: { attachment: attachable.attachable[AttachableTypeId](), ...faceOf(attachable.face) } }
    }
    const found = asConnection(value)
    if (found === undefined) return undefined
    placeholders = true
    const { connection, face } = found
    sockets.push(connection.osSocket)
    // From now on this process reads the end only as far as it receives: the rest stays for the child.
    const unread = connection.unsafeShare()
    return {
      [HANDLE_KEY]: {
        fd: descriptorFor(connection.osSocket, sockets.length - 1),
        readable: connection.readable,
        writable: connection.writable,
        ...faceOf(face),
        ...(unread.length > 0 ? { unread } : {})
      }
    }
  }
  const replaced = args.map((arg) => mapHandles(arg, toPlaceholder))
  return placeholders ? { args: replaced, sockets, placeholders } : { args: [...args], sockets, placeholders }
}
