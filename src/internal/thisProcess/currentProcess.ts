/**
 * Who this OS process is, in multiprocessing's terms: "MainProcess" unless the
 * child bootstrap published an identity before loading the target.
 */
import { randomBytes } from "node:crypto"
import type { ProcessIdentity } from "../../Multiprocessing.js"
import { CURRENT_PROCESS_KEY } from "./processGlobals.js"

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

/** This process family's authkey as bytes (Python's `current_process().authkey`), which children inherit. */
export const familyAuthkey = (): Buffer => Buffer.from(currentIdentity().authkey, "hex")

/** Who a child of this process is: its own name, daemon flag and position; the family's authkey; this process as its parent. */
export const childIdentity = (
  child: { readonly name: string; readonly daemon: boolean; readonly identity: ReadonlyArray<number>; readonly executable: string }
): ProcessIdentity => {
  const parent = currentIdentity()
  return { ...child, authkey: parent.authkey, parentPid: process.pid, parentName: parent.name }
}

let childrenStarted = 0

/** The identity of the next child this process creates: Python's `_identity` and default name. */
export const nextChildIdentity = (): { readonly identity: ReadonlyArray<number>; readonly name: string } => {
  const identity = [...currentIdentity().identity, ++childrenStarted]
  return { identity, name: `Process-${identity.join(":")}` }
}
