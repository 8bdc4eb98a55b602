/**
 * Proxies of objects of a type registered with a manager (Python's
 * `BaseManager.register`): one method per exposed method of the object,
 * each a call to the manager. The exposed names travel in the reference's
 * kind (`Custom:<typeid>:<method>,<method>`), so a proxy passed on to another
 * process has the same methods there.
 */
import type { Effect } from "effect"
import type * as Public from "../../Manager.js"
import { type Backend, type Primitive, PrimitiveTypeId, type Reference, remote } from "../served/backend.js"
import { registerRevival } from "../served/revive.js"

export const parseCustomKind = (kind: string): { readonly typeid: string; readonly exposed: ReadonlyArray<string> } | undefined => {
  const match = /^Custom:([^:]*):(.*)$/.exec(kind)
  return match === null ? undefined : { typeid: match[1], exposed: match[2] === "" ? [] : match[2].split(",") }
}

/** The Effect face: `proxy.call(method, ...args)`, and each exposed method by name, as Effects. */
export class CustomHandle implements Primitive, Public.CustomProxy {
  readonly [PrimitiveTypeId]: Backend;
  /** Each exposed method, by name (a name the proxy itself uses — `call`, `typeid`, `exposed` — only through `call`). */
  readonly [method: string]: unknown

  constructor(backend: Backend, readonly typeid: string, readonly exposed: ReadonlyArray<string>) {
    this[PrimitiveTypeId] = backend
    for (const method of exposed) {
      if (method in this) continue // never shadow the proxy's own members
      Object.defineProperty(this, method, { value: (...args: Array<unknown>) => this.call(method, ...args), enumerable: true })
    }
  }

  /** Calls `method` on the object in the manager; any method, so that an unexposed one fails there, as in Python. */
  call(method: string, ...args: Array<unknown>): Effect.Effect<unknown, Public.ProxyCallError> {
    return this[PrimitiveTypeId].call(method, args, "") as Effect.Effect<unknown, Public.ProxyCallError>
  }
}

registerRevival("Custom", (reference: Reference) => {
  const parsed = parseCustomKind(reference.kind)
  return parsed === undefined ? undefined : new CustomHandle(remote(reference), parsed.typeid, parsed.exposed)
})
