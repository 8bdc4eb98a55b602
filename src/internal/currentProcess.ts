/**
 * Who this OS process is, in multiprocessing's terms: "MainProcess" unless the
 * child bootstrap published an identity before loading the target.
 */
import { randomBytes } from "node:crypto"
import { CURRENT_PROCESS_KEY, type ProcessIdentity } from "./protocol.js"

let main: ProcessIdentity | undefined

/** This process's identity. In a child, what its parent gave it; in the main process, made once. */
export const currentIdentity = (): ProcessIdentity => {
  const published = (globalThis as Record<symbol, unknown>)[CURRENT_PROCESS_KEY] as ProcessIdentity | undefined
  if (published !== undefined) return published
  main ??= {
    name: "MainProcess",
    daemon: false,
    authkey: randomBytes(32).toString("hex"),
    identity: [],
    parentPid: 0,
    parentName: "",
    executable: process.execPath
  }
  return main
}

/** True in a process started by this library. */
export const isChild = (): boolean => (globalThis as Record<symbol, unknown>)[CURRENT_PROCESS_KEY] !== undefined

let childrenStarted = 0

/** The identity of the next child this process creates: Python's `_identity` and default name. */
export const nextChildIdentity = (): { readonly identity: ReadonlyArray<number>; readonly name: string } => {
  const identity = [...currentIdentity().identity, ++childrenStarted]
  return { identity, name: `Process-${identity.join(":")}` }
}
