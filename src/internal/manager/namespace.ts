/**
 * The shared `Namespace` a Manager serves: attributes by name. See
 * pythonValues.ts for what the shared list, dict and Namespace have in common.
 */
import type { Effect, Scope } from "effect"
import { AttributeError, type OwnerGoneError, ValueError } from "../../Errors.js"
import type * as Public from "../../Manager.js"
import { remote } from "../served/backend.js"
import { type Definition, SharedObject } from "../served/definition.js"
import { registerRevival } from "../served/revive.js"
import { atOnce, isPlainObject, makeServed, plainObject, repr, typeName } from "./pythonValues.js"

const checkName = (name: unknown): string => {
  if (typeof name === "string") return name
  throw new ValueError({ message: `attribute name must be a string, not ${typeName(name)}` })
}

const present = (attributes: Map<string, unknown>, name: unknown): string => {
  const n = checkName(name)
  if (!attributes.has(n)) throw new AttributeError({ message: `'Namespace' object has no attribute ${repr(n)}` })
  return n
}

const definition: Definition<Map<string, unknown>> = {
  kind: () => "Namespace",
  operations: atOnce<Map<string, unknown>>({
    get: (attributes, [name]) => attributes.get(present(attributes, name)),
    set: (attributes, [name, value]) => {
      attributes.set(checkName(name), value)
    },
    delete: (attributes, [name]) => {
      attributes.delete(present(attributes, name))
    },
    has: (attributes, [name]) => attributes.has(checkName(name)),
    toObject: (attributes) => plainObject(attributes)
  })
}

type N = Public.NamespaceHandle

export class NamespaceHandle extends SharedObject implements Public.NamespaceHandle {
  readonly get: N["get"] = (name) => this.op("get", [name])
  readonly set: N["set"] = (name, value) => this.op("set", [name, value])
  readonly delete: N["delete"] = (name) => this.op("delete", [name])
  readonly has: N["has"] = (name) => this.op("has", [name])
  readonly toObject = this.op<Record<string, unknown>, OwnerGoneError>("toObject")
}

/** A Namespace this process serves while the Scope is open, with `initial`'s attributes. ValueError if it is not a plain object. */
export const make = (initial?: Readonly<Record<string, unknown>>): Effect.Effect<NamespaceHandle, ValueError, Scope.Scope> =>
  makeServed(definition, () => {
    if (initial !== undefined && !isPlainObject(initial)) {
      throw new ValueError({ message: `a Namespace is made from a plain object, not ${typeName(initial)}` })
    }
    return new Map(Object.entries(initial ?? {}))
  }, NamespaceHandle)

registerRevival("Namespace", (reference) => reference.kind === "Namespace" ? new NamespaceHandle(remote(reference), definition.operations) : undefined)
