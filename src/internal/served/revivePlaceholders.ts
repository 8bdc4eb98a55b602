/**
 * The child's side of `placeholders.ts`: turns placeholders back into
 * Connections over the descriptors the parent handed over, into proxies of
 * shared primitives, and into objects attached by name, each as the face it
 * was sent from. The bootstrap loads it through `kinds.ts` (which registers
 * every kind first), and only when there are handles, since it brings Effect
 * with it.
 */
import * as net from "node:net"
import { Effect } from "effect"
import * as Serializer from "../../Serializer.js"
import { ConnectionImpl } from "../connection/connection.js"
import { compatEntry, compatWrapper } from "../faces.js"
import { attach } from "./attachable.js"
import * as FramedSocket from "../wire/framedSocket.js"
import { HANDLE_KEY, mapHandles, type Placeholder } from "./placeholders.js"
import { revivePrimitive } from "./revive.js"
import { handedDescriptors } from "../thisProcess/processGlobals.js"

const isPlaceholder = (u: unknown): u is Placeholder => typeof u === "object" && u !== null && HANDLE_KEY in u

const revive = (placeholder: Placeholder) => {
  const held = placeholder[HANDLE_KEY]
  if ("primitive" in held) return revivePrimitive(held.primitive, held.face, held.faceEntry)
  if ("attachment" in held) return attach(held.attachment, held.face, held.faceEntry)
  const { face, readable, writable, unread } = held
  // A ready process got its descriptors after its start, wherever the kernel put them.
  const fd = handedDescriptors().get(held.fd) ?? held.fd
  // Never read by Node's stream: the parent and other children may hold this descriptor too, and
  // what this process does not receive must stay in the kernel for them.
  const socket = new net.Socket({ fd, readable: true, writable: true, manualStart: true } as net.SocketConstructorOpts)
  const framed = Effect.runSync(FramedSocket.make(socket, { shared: unread === undefined ? {} : { unread } }))
  const connection = new ConnectionImpl(framed, Serializer.unknown, readable, writable)
  return face === "compat" ? compatWrapper("Connection", connection, held.faceEntry) : connection
}

/**
 * The arguments with their placeholders revived. Objects sent from the compat
 * face arrive in it: its entry module, which the sender names, is loaded first
 * (as a target's module is, by its address: the internals import no face).
 */
export const reviveHandles = async (args: ReadonlyArray<unknown>): Promise<Array<unknown>> => {
  const entries = new Set<string>()
  mapHandles(args, (value) => {
    if (isPlaceholder(value) && value[HANDLE_KEY].faceEntry !== undefined) entries.add(value[HANDLE_KEY].faceEntry)
    return undefined
  })
  // One loaded already (the start-up snapshot holds the compat face) is not imported again: a second copy.
  for (const entry of entries) if (entry !== compatEntry()) await import(entry)
  return args.map((arg) => mapHandles(arg, (value) => (isPlaceholder(value) ? revive(value) : undefined)))
}
