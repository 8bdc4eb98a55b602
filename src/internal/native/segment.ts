/**
 * Shared-memory segments of the primitives this process makes or receives:
 * one POSIX shm segment per primitive (a slab allocator sharing pages between
 * primitives is a later optimisation), named `/emp-prim-<maker pid>-<random>`
 * as every segment the library names (thisProcess/privateDirectory.ts), so that
 * what a maker killed before it could unlink them left is removed.
 *
 * The maker unlinks a segment when the Scope it was made in closes, or when
 * it exits: from then on nobody can attach it, as nobody can reach a served
 * object whose owner has gone; processes that mapped it keep using it. A
 * mapping is never unmapped while the process runs: a handle may still touch
 * it, and a page per primitive is the price.
 */
import { OwnerGoneError } from "../../Errors.js"
import * as PrivateDirectory from "../thisProcess/privateDirectory.js"
import { atomicsWaker } from "./atomicsWait.js"
import { native, type Native, type Waker } from "./native.js"
import * as ThreadMemory from "./threadMemory.js"

export interface Segment {
  readonly name: string
  readonly words: Int32Array
}

/** The segments mapped here, by name: a primitive that comes back or arrives twice maps its segment once. */
const mapped = new Map<string, Segment>()
/** The segments this process made and has not unlinked yet. */
const made = new Set<string>()

const addon = (): Native => {
  if (native === undefined) throw new Error("shared memory is not available in this process (the native addon is absent or disabled)")
  return native
}

/**
 * Whether a new primitive can live in shared memory here: the addon is
 * loaded, or it is absent and the primitive is made for threads (see
 * threadMemory.ts). Otherwise it is served by its owner.
 */
export const canCreate = (): boolean => native !== undefined || ThreadMemory.wanted()

/** How the primitive over `words` sleeps and wakes: futexes in a segment, Atomics in thread memory. */
export const wakerOf = (words: Int32Array): Waker => words.buffer instanceof SharedArrayBuffer ? atomicsWaker : addon()

/** The waker of a new segment, when one can be made here (see canCreate). */
export const ringWaker = (): Waker | undefined => native ?? (ThreadMemory.wanted() ? atomicsWaker : undefined)

/** The waker of the segment `name`, if it could be mapped here. */
export const wakerFor = (name: string): Waker | undefined => ThreadMemory.isThreadMemory(name) ? atomicsWaker : native

/** A new zero-filled segment of `bytes` (at least), made by this process (in thread memory where the addon is absent). */
export const create = (bytes: number): Segment => {
  if (native === undefined) {
    const slice = ThreadMemory.allocate(bytes)
    if (slice === undefined) throw new Error("thread memory is full (64 MiB of primitives made in this process)")
    mapped.set(slice.name, slice)
    return slice
  }
  const shm = addon()
  const name = PrivateDirectory.segmentName("prim")
  // Whole 8-byte words: every typed array fits over it.
  const segment: Segment = { name, words: new Int32Array(shm.create(name, Math.ceil(Math.max(bytes, 8) / 8) * 8)) }
  mapped.set(name, segment)
  made.add(name)
  return segment
}

/** The segment called `name`, mapped here; undefined when it no longer exists (its maker unlinked it or died). */
export const attach = (name: string): Segment | undefined => {
  const known = mapped.get(name)
  if (known !== undefined) return known
  if (ThreadMemory.isThreadMemory(name)) {
    const slice = ThreadMemory.attach(name)
    if (slice !== undefined) mapped.set(name, slice)
    return slice
  }
  try {
    const segment: Segment = { name, words: new Int32Array(addon().attach(name)) }
    mapped.set(name, segment)
    return segment
  } catch {
    return undefined
  }
}

/** Nobody can attach `name` from now on (the mappings stay valid). */
export const unlink = (name: string): void => {
  if (!made.delete(name)) return
  PrivateDirectory.segmentUnlinked(name)
  try {
    addon().unlink(name)
  } catch {
    // Already gone (swept): nothing left to do.
  }
}

/** The pid of the process that made the segment `name`, as its name says. */
export const makerPid = (name: string): number => Number(/^\/emp-[a-z]+-(\d+)-/.exec(name)?.[1] ?? 0)

/** Why a primitive whose segment could not be mapped fails every operation, as a served one whose owner has gone. */
export const goneError = (primitive: string, name: string, ownerName: string): OwnerGoneError =>
  new OwnerGoneError({
    primitive: `${primitive} ${name}`,
    ownerPid: makerPid(name),
    ownerName,
    reason: "has closed it or exited: its shared memory can no longer be mapped"
  })
