/**
 * Globals an inline target may rely on in the child besides Node's own:
 * `require`, and the helpers transpilers inject into function source —
 * esbuild (and so tsx and vitest) wraps named functions in `__name(fn, "name")`
 * and class fields in `__publicField`; vitest rewrites `import(x)` to
 * `__vite_ssr_dynamic_import__(x)`. The free-variable check in the parent
 * treats exactly these names as present.
 */
import { importModule } from "./preloaded.js"

const defineProperty = Object.defineProperty

const defNormalProp = (obj: object, key: PropertyKey, value: unknown) =>
  key in obj
    ? defineProperty(obj, key, { enumerable: true, configurable: true, writable: true, value })
    : ((obj as Record<PropertyKey, unknown>)[key] = value)

const helpers = {
  __defProp: defineProperty,
  __name: (target: object, value: string) => defineProperty(target, "name", { value, configurable: true }),
  __defNormalProp: defNormalProp,
  __publicField: (obj: object, key: PropertyKey, value: unknown) => {
    defNormalProp(obj, typeof key !== "symbol" ? key + "" : key, value)
    return value
  },
  __vite_ssr_dynamic_import__: (specifier: string) => importModule(specifier)
}

/** Every name the bootstrap defines for inline functions. */
export const childHelperNames: ReadonlyArray<string> = ["require", ...Object.keys(helpers)]

/**
 * `require` is made at its first use (by a target that calls it): making it
 * loads `node:module`, which a thread child's start need not pay for. Until
 * then it is an accessor that makes it, or that a target's assignment replaces.
 */
export const installChildHelpers = (require: () => NodeJS.Require): void => {
  const g = globalThis as Record<string, unknown>
  if (!("require" in g)) {
    const settle = (value: unknown) =>
      Object.defineProperty(g, "require", { value, writable: true, enumerable: true, configurable: true })
    Object.defineProperty(g, "require", {
      get: () => {
        const made = require()
        settle(made)
        return made
      },
      set: settle,
      enumerable: true,
      configurable: true
    })
  }
  for (const [name, helper] of Object.entries(helpers)) g[name] ??= helper
}
