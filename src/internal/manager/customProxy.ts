/**
 * Proxies of objects of a type registered with a manager (Python's
 * `BaseManager.register`): one method per exposed method of the object,
 * each a call to the manager. The exposed names travel in the reference's
 * kind (`Custom:<typeid>:<method>,<method>`), so a proxy passed on to another
 * process has the same methods there.
 */
import type { Effect } from "effect"
import { EffectPrimitiveKey } from "../served/placeholders.js"
import { type Backend, type Primitive, PrimitiveTypeId, type Reference, remote } from "../served/backend.js"
import { runPromise } from "../../compat/runtime.js"

export const parseCustomKind = (kind: string): { readonly typeid: string; readonly exposed: ReadonlyArray<string> } | undefined => {
  const match = /^Custom:([^:]*):(.*)$/.exec(kind)
  return match === null ? undefined : { typeid: match[1], exposed: match[2] === "" ? [] : match[2].split(",") }
}

/** The Effect face: `proxy.call(method, ...args)`, and each exposed method by name, as Effects. */
export class CustomHandle implements Primitive {
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
  call(method: string, ...args: Array<unknown>): Effect.Effect<unknown, unknown> {
    return this[PrimitiveTypeId].call(method, args, "")
  }
}

/** The compat face: the same methods, returning Promises. */
export const compatCustom = (handle: CustomHandle): Record<string, unknown> => {
  const proxy: Record<string | symbol, unknown> = {
    [EffectPrimitiveKey]: handle, // travels as the same object when passed on
    callMethod: (method: string, ...args: Array<unknown>) => runPromise(handle.call(method, ...args))
  }
  for (const method of handle.exposed) {
    if (method in proxy) continue
    proxy[method] = (...args: Array<unknown>) => runPromise(handle.call(method, ...args))
  }
  return proxy
}

export const reviveCustom = (reference: Reference): CustomHandle | undefined => {
  const parsed = parseCustomKind(reference.kind)
  return parsed === undefined ? undefined : new CustomHandle(remote(reference), parsed.typeid, parsed.exposed)
}
