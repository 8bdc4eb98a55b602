/**
 * What the shared `list`, `dict` and `Namespace` (CPython's ListProxy,
 * DictProxy and Namespace) have in common: the state lives with its owner,
 * every other process reaches it through a proxy, one round trip per
 * operation, and each operation is atomic in the owner (it runs there at once,
 * in one piece).
 *
 * Values are whatever the default codec carries. They arrive in the owner as
 * decoded copies — a shared primitive among them already revived as a proxy —
 * and are kept and handed back as they are: the codec copies them on the way
 * out, and turns a primitive back into its reference. So nothing here copies or
 * transforms a stored value. (The owner's own calls do not go through the
 * codec: what it stores and reads are its own objects, not copies.) What Python
 * returns as a plain value — a slice, keys(), items(), copy() — is a plain
 * array, object or Map.
 */
import { inspect, isDeepStrictEqual } from "node:util"
import { Effect, Exit, type Scope } from "effect"
import { AttributeError, IndexError, KeyError, ValueError } from "../../Errors.js"
import { wrappedByCompat } from "../faces.js"
import { type Backend, isPrimitive, PrimitiveTypeId, scopedServed } from "../served/backend.js"
import { type Definition, type Operation, serveLocal, type SharedObject } from "../served/definition.js"

type Failure = ValueError | IndexError | KeyError | AttributeError

/** Runs `f`: a typed error it throws is a failure, anything else a defect (a bug here, not bad input). */
const attempt = <A>(f: () => A): Exit.Exit<A, Failure> => {
  try {
    return Exit.succeed(f())
  } catch (error) {
    const typed = error instanceof ValueError || error instanceof IndexError || error instanceof KeyError || error instanceof AttributeError
    return typed ? Exit.fail(error) : Exit.die(error)
  }
}

/** A table of operations that each run at once on the owner's state, throwing their typed errors. */
export const atOnce = <S>(
  table: Record<string, (state: S, args: ReadonlyArray<any>) => unknown>
): Record<string, Operation<S>> => {
  const operations: Record<string, Operation<S>> = {}
  for (const [name, f] of Object.entries(table)) operations[name] = { run: (state, args) => attempt(() => f(state, args)) }
  return operations
}

/** A new object served while the Scope is open; its state is made from the caller's arguments (a ValueError for bad ones). */
export const makeServed = <S, H extends SharedObject>(
  definition: Definition<S>,
  state: () => S,
  holder: new(backend: Backend, operations: Definition<S>["operations"]) => H
): Effect.Effect<H, ValueError, Scope.Scope> =>
  scopedServed(Effect.suspend(() =>
    Exit.map(attempt(state), (made) => {
      const handle = new holder(serveLocal(definition, made), definition.operations)
      return { handle, ids: [handle[PrimitiveTypeId].id] }
    }) as Effect.Effect<{ handle: H; ids: Array<string> }, ValueError>
  ))

/** A JavaScript name for a value's type, for messages. */
export const typeName = (value: unknown): string => {
  if (value === null) return "null"
  if (Array.isArray(value)) return "array"
  if (typeof value !== "object") return typeof value
  const prototype = Object.getPrototypeOf(value)
  return prototype === null || prototype === Object.prototype ? "object" : prototype.constructor?.name ?? "object"
}

/** Python's repr, near enough, for messages (a string comes out quoted, as Python's does). */
export const repr = (value: unknown): string =>
  inspect(value, { depth: 2, breakLength: Infinity, maxArrayLength: 10, maxStringLength: 100 })

/** The id of a shared primitive (either face), or undefined. */
const primitiveId = (value: unknown): string | undefined => {
  const primitive = isPrimitive(value) ? value : wrappedByCompat(value)
  return isPrimitive(primitive) ? primitive[PrimitiveTypeId].id : undefined
}

/**
 * Python's `==` for remove, count, index and `in`: deep equality of values; two
 * proxies of one shared primitive are equal (each arrival revives a new proxy).
 */
export const same = (a: unknown, b: unknown): boolean => {
  const id = primitiveId(a)
  return id !== undefined ? id === primitiveId(b) : isDeepStrictEqual(a, b)
}

export const integer = (value: unknown, what: string): number => {
  if (typeof value === "number" && Number.isInteger(value)) return value
  if (typeof value === "bigint") return Number(value)
  throw new ValueError({ message: `${what} must be integers, not ${typeName(value)}` })
}

/** An optional integer: null or undefined is none (Python's None). */
export const optionalInteger = (value: unknown, what: string): number | undefined =>
  value === null || value === undefined ? undefined : integer(value, what)

export const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== "object" || value === null) return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/** A plain object of `entries`; defineProperty, so an own "__proto__" key stays data. */
export const plainObject = (entries: Iterable<readonly [string, unknown]>): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of entries) Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true })
  return out
}
