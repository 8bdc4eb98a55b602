import { describe, expect, it } from "vitest"
import { cpus } from "node:os"
import { analyzeFunction, childGlobals, describeUnresolved } from "../../../src/internal/process/freeVariables.js"

/** Builds a function from exact source text, independent of how vitest transpiles this file. */
const fromSource = (source: string): Function => (0, eval)(`(${source})`)

/** Picks a method out of an object (or class instance) built from source text. */
const methodFrom = (containerSource: string, key: PropertyKey): Function => {
  const container = (0, eval)(`(${containerSource})`)
  return container[key]
}

const unresolvedIn = (source: string): ReadonlyArray<string> => analyzeFunction(fromSource(source)).unresolved

const evaluateExpression = (expression: string): Function => (0, eval)(`(${expression})`)

const outerFactor = 3

describe("function forms", () => {
  it.each([
    "(x) => x * 2",
    "x => x",
    "async (x) => await x",
    "async x => x",
    "function double(a) { return a * 2 }",
    "function (a) { return a }",
    "async function load(a) { return await a }",
    "function* count(n) { for (let i = 0; i < n; i++) yield i }",
    "async function* stream(xs) { for await (const x of xs) yield x }"
  ])("keeps %s as its own expression", (source) => {
    const analysis = analyzeFunction(fromSource(source))
    expect(analysis).toEqual({ expression: source, unresolved: [], called: [] })
  })

  it("turns method shorthand into a named function expression", () => {
    const analysis = analyzeFunction(methodFrom("{ square(x) { return x * x } }", "square"))
    expect(analysis.expression).toBe("function square(x) { return x * x }")
    expect(analysis.unresolved).toEqual([])
    expect(evaluateExpression(analysis.expression)(4)).toBe(16)
  })

  it("keeps async and generator markers of methods", async () => {
    const container = "{ async fetchTwice(x) { return x * 2 }, *numbers() { yield 1 }, async *ticks() { yield 2 } }"
    const asyncMethod = analyzeFunction(methodFrom(container, "fetchTwice"))
    const generatorMethod = analyzeFunction(methodFrom(container, "numbers"))
    const asyncGeneratorMethod = analyzeFunction(methodFrom(container, "ticks"))
    expect(asyncMethod.expression).toBe("async function fetchTwice(x) { return x * 2 }")
    expect(generatorMethod.expression).toBe("function* numbers() { yield 1 }")
    expect(asyncGeneratorMethod.expression).toBe("async function* ticks() { yield 2 }")
    expect(await evaluateExpression(asyncMethod.expression)(5)).toBe(10)
    expect([...evaluateExpression(generatorMethod.expression)()]).toEqual([1])
  })

  it("drops method names that cannot name a function", () => {
    const container = "{ delete(x) { return x }, ['two words'](x) { return x }, async() { return 1 }, get() { return 2 } }"
    expect(analyzeFunction(methodFrom(container, "delete")).expression).toBe("function (x) { return x }")
    expect(analyzeFunction(methodFrom(container, "two words")).expression).toBe("function (x) { return x }")
    expect(analyzeFunction(methodFrom(container, "async")).expression).toBe("function async() { return 1 }")
    expect(analyzeFunction(methodFrom(container, "get")).expression).toBe("function get() { return 2 }")
  })

  it("converts a private method that does not touch private state", () => {
    const method = methodFrom("new (class { #double(x) { return x * 2 } get double() { return this.#double } })()", "double")
    const analysis = analyzeFunction(method)
    expect(analysis.expression).toBe("function (x) { return x * 2 }")
    expect(evaluateExpression(analysis.expression)(21)).toBe(42)
  })

  it("reports a method's own name when its body calls it: the name is not in scope there", () => {
    const method = methodFrom("{ countdown(n) { return n === 0 ? 0 : countdown(n - 1) } }", "countdown")
    expect(analyzeFunction(method).unresolved).toEqual(["countdown"])
  })
})

describe("functions that cannot travel as source", () => {
  it.each([
    ["a built-in", Math.max],
    ["a bound function", ((x: number) => x).bind(null)],
    ["a proxied function", new Proxy(() => 1, {})]
  ])("rejects %s as native code", (_label, fn) => {
    expect(analyzeFunction(fn).notPortable).toMatch(/native or bound/)
  })

  it("rejects classes", () => {
    class Counter {}
    expect(analyzeFunction(Counter).notPortable).toMatch(/class/)
    expect(analyzeFunction(fromSource("class Point { constructor(x) { this.x = x } }")).notPortable).toMatch(/class/)
  })

  it("rejects getters and setters", () => {
    const descriptor = Object.getOwnPropertyDescriptor(
      (0, eval)("({ get size() { return 1 }, set size(v) {} })"),
      "size"
    )
    expect(analyzeFunction(descriptor!.get!).notPortable).toMatch(/getter/)
    expect(analyzeFunction(descriptor!.set!).notPortable).toMatch(/setter/)
  })

  it("rejects methods that use super", () => {
    const method = methodFrom("{ __proto__: { greet() { return 'hi' } }, greet() { return super.greet() } }", "greet")
    expect(analyzeFunction(method).notPortable).toMatch(/super/)
  })

  it("returns the parser's message instead of throwing when the source does not parse", () => {
    // `#count` only exists inside the original class, so the method parses nowhere else.
    const method = methodFrom("new (class { #count = 1; #read() { return this.#count } get read() { return this.#read } })()", "read")
    const analysis = analyzeFunction(method)
    expect(analysis.notPortable).toMatch(/could not be parsed: .+/)
    expect(analysis.unresolved).toEqual([])
  })
})

describe("free variables", () => {
  it("reports closures over the enclosing module", () => {
    const scale = (x: number) => x * outerFactor
    expect(analyzeFunction(scale).unresolved).toEqual(["outerFactor"])
  })

  it("reports imports of the enclosing module", () => {
    const cores = () => cpus().length
    expect(analyzeFunction(cores).unresolved).toEqual(["cpus"])
  })

  it("does not report child globals", () => {
    const usesGlobals = () => {
      console.log(JSON.stringify([Math.PI, process.pid, Buffer.from("a"), Promise.resolve(), require("node:os")]))
      return [globalThis, undefined, NaN, Infinity, setTimeout, URL, structuredClone, new TextEncoder()]
    }
    expect(analyzeFunction(usesGlobals).unresolved).toEqual([])
  })

  it("lists every name once, in order of first appearance", () => {
    expect(unresolvedIn("() => beta + alpha + beta(alpha) + gamma")).toEqual(["beta", "alpha", "gamma"])
  })

  it("accepts a replacement set of globals", () => {
    const analysis = analyzeFunction(fromSource("() => Math.max(extra, other)"), { globals: new Set(["Math", "extra"]) })
    expect(analysis.unresolved).toEqual(["other"])
  })

  it("exposes Node's and the bootstrap's globals but not module-scope or test-runner names", () => {
    for (const name of ["Math", "process", "Buffer", "fetch", "require", "__name"]) expect(childGlobals).toContain(name)
    for (const name of ["module", "exports", "__dirname", "fs", "arguments", "describe", "expect"]) {
      expect(childGlobals).not.toContain(name)
    }
  })
})

describe("bindings inside the function", () => {
  it("resolves parameters, including destructuring, defaults over earlier parameters and rest", () => {
    const source = "function (first, { second = first, third: [fourth, ...fifth] } = {}, ...rest) { return [first, second, fourth, fifth, rest] }"
    expect(unresolvedIn(source)).toEqual([])
  })

  it("reports outer names used in parameter defaults", () => {
    expect(unresolvedIn("(size = defaultSize) => size")).toEqual(["defaultSize"])
  })

  it("resolves hoisted var and function declarations", () => {
    const source = "function () { counter = helper(); if (true) { var counter } return counter; function helper() { return 1 } }"
    expect(unresolvedIn(source)).toEqual([])
  })

  it("keeps let, const and class declarations inside their block", () => {
    expect(unresolvedIn("() => { { let inner = 1; const fixed = 2; class Local {} } return inner + fixed + Local }"))
      .toEqual(["inner", "fixed", "Local"])
  })

  it("resolves block declarations referenced before their line, as closures do", () => {
    expect(unresolvedIn("() => { const read = () => later; const later = 1; return read() }")).toEqual([])
  })

  it("resolves catch parameters only inside the catch block", () => {
    expect(unresolvedIn("() => { try { risky() } catch ({ message }) { return message } }")).toEqual(["risky"])
    expect(unresolvedIn("() => { try {} catch (error) {} return error }")).toEqual(["error"])
    expect(unresolvedIn("() => { try { return 1 } catch { return 2 } }")).toEqual([])
  })

  it("does not treat labels as variables", () => {
    expect(unresolvedIn("(rows) => { outer: for (const row of rows) { for (const cell of row) { if (cell) continue outer; break outer } } }"))
      .toEqual([])
  })

  it("resolves loop declarations and reports assigned-to loop targets", () => {
    expect(unresolvedIn("(xs) => { for (let i = 0; i < 1; i++) {} for (var key in xs) {} for (const x of xs) {} return key }"))
      .toEqual([])
    expect(unresolvedIn("(xs) => { for (item of xs) {} }")).toEqual(["item"])
  })

  it("shares one scope between switch cases", () => {
    expect(unresolvedIn("(n) => { switch (n) { case 1: const one = 1; case 2: return one } }")).toEqual([])
  })

  it("resolves class names, members and private names", () => {
    const source = `() => {
      class Point {
        #x = 0
        static created = 0
        constructor(x) { this.#x = x; Point.created++ }
        get x() { return this.#x }
        static { Point.created = 0 }
        has(other) { return #x in other }
        distance(other) { return Math.abs(this.#x - other.#x) }
      }
      return new Point(1).distance(new Point(2))
    }`
    expect(unresolvedIn(source)).toEqual([])
  })

  it("reports outer names used by a class's heritage, field initializers and computed keys", () => {
    expect(unresolvedIn("() => class extends Base { size = initialSize; [methodKey]() {} }"))
      .toEqual(["Base", "initialSize", "methodKey"])
  })

  it("lets named function expressions call themselves", () => {
    expect(unresolvedIn("function factorial(n) { return n <= 1 ? 1 : n * factorial(n - 1) }")).toEqual([])
    expect(unresolvedIn("() => { const walk = function visit(n) { return n && visit(n - 1) }; return walk }")).toEqual([])
  })

  it("binds arguments in regular functions but not in arrows", () => {
    expect(unresolvedIn("function () { return arguments.length }")).toEqual([])
    expect(unresolvedIn("() => arguments.length")).toEqual(["arguments"])
  })

  it("ignores this, super, new.target and import.meta", async () => {
    expect(unresolvedIn("function () { return [this, new.target, () => this, { m() { return super.m } }] }")).toEqual([])
    // import.meta only parses in a module, so load one whose source vitest does not transform.
    const moduleSource = "export default () => import.meta.url"
    const { default: readsImportMeta } = await import(`data:text/javascript,${encodeURIComponent(moduleSource)}`)
    expect(analyzeFunction(readsImportMeta)).toEqual({ expression: "() => import.meta.url", unresolved: [], called: [] })
  })
})

describe("syntax", () => {
  it("reports objects of member accesses but not their properties", () => {
    expect(unresolvedIn("(o) => o.alpha + o?.beta?.() + config.gamma + o[index]")).toEqual(["config", "index"])
  })

  it("reports values and computed keys of object literals but not their keys", () => {
    expect(unresolvedIn("() => ({ alpha: 1, 'beta': 2, gamma() {}, [computed]: value })")).toEqual(["computed", "value"])
  })

  it("reports shorthand properties", () => {
    expect(unresolvedIn("() => ({ shorthand, other: 1 })")).toEqual(["shorthand"])
  })

  it("reports destructuring assignments to outer names", () => {
    expect(unresolvedIn("() => { [left, right] = [right, left]; ({ key: target.field, ...others } = source) }"))
      .toEqual(["left", "right", "target", "others", "source"])
  })

  it("walks templates, tagged templates, spread, await, yield and optional calls", () => {
    const source = "async function* (xs) { for await (const x of xs) yield tag`${x}${suffix}` + handler?.(...extra) }"
    expect(unresolvedIn(source)).toEqual(["tag", "suffix", "handler", "extra"])
  })

  it("reports names guarded by typeof, since they will be undefined in the child", () => {
    expect(unresolvedIn("() => typeof maybeDefined === 'undefined'")).toEqual(["maybeDefined"])
  })

  it("resolves names used inside dynamic imports and nested functions", () => {
    expect(unresolvedIn("async () => { const os = await import('node:os'); return [1].map((n) => n + os.cpus().length) }"))
      .toEqual([])
  })
})

describe("transpiler output", () => {
  it("does not report the __name helper that esbuild's keepNames injects", () => {
    expect(unresolvedIn("function () { const named = __name(function () { return 1 }, 'named'); return named }")).toEqual([])
  })

  it("reports vitest-rewritten imports under the name the user imported", () => {
    const source = "(x) => (0, __vi_import_0__.foo)(x) + __vite_ssr_import_1__.bar + __vite_ssr_import_2__['baz'] + __vi_import_0__.foo"
    expect(unresolvedIn(source)).toEqual(["foo", "bar", "baz"])
  })

  it("reports a rewritten default import by its raw access, since its local name is gone", () => {
    expect(unresolvedIn("() => __vite_ssr_import_3__.default.sep")).toEqual(["__vite_ssr_import_3__.default"])
  })
})

describe("called names", () => {
  it("lists the unresolved names the function calls or constructs, rewritten imports under their own name", () => {
    const analysis = analyzeFunction(fromSource(
      "(x) => helper(x) + offset + new Thing().size + tag`t` + (0, __vi_import_0__.createHash)('sha256') + (0, import_compat.currentProcess)().name + local(x)"
    ))
    expect(analysis.unresolved).toEqual(["helper", "offset", "Thing", "tag", "createHash", "currentProcess", "local"])
    expect(analysis.called).toEqual(["helper", "Thing", "tag", "createHash", "currentProcess", "local"])
    expect(analyzeFunction(fromSource("(x) => { const f = (y) => y; return f(x) + g }")).called).toEqual([])
  })
})

describe("describeUnresolved", () => {
  const noLibrary = () => []

  it("names the function and every unresolved name, one line of advice each, then the module target", () => {
    expect(describeUnresolved("target", ["offset"], [], noLibrary)).toBe([
      'Inline function "target" uses `offset` from its enclosing scope, which will not exist in the child process ' +
      "(inline functions travel as source text, without their closure). To fix it:",
      "  - pass `offset` in as an argument",
      "  - or use a module target (`Target.module(...)`): the child imports your module itself, with its imports and functions."
    ].join("\n"))
  })

  it("a function the target calls: define it inside (a function cannot be passed in as an argument)", () => {
    const message = describeUnresolved("target", ["helper", "offset"], ["helper"], noLibrary)
    expect(message.split("\n").slice(1, 3)).toEqual([
      "  - define `helper` inside the function: a function cannot be passed in as an argument",
      "  - pass `offset` in as an argument"
    ])
    expect(describeUnresolved("f", ["Parser"], ["Parser"], noLibrary)).toContain(
      "  - define `Parser` inside the function, or import it there (`const { Parser } = await import(\"…\")`): a function cannot be passed in as an argument"
    )
  })

  it("a named import of a built-in module: the module named, required or imported inside", () => {
    expect(describeUnresolved("digest", ["createHash"], ["createHash"], noLibrary)).toContain(
      '  - import `createHash` inside the function: `const { createHash } = require("node:crypto")` or `await import("node:crypto")`'
    )
    expect(describeUnresolved("f", ["readFileSync"], ["readFileSync"], noLibrary)).toContain('require("node:fs")')
    expect(describeUnresolved("f", ["os"], [], noLibrary)).toContain(
      '  - import `os` inside the function: `const os = require("node:os")` or `await import("node:os")`'
    )
    expect(describeUnresolved("f", ["childProcess"], [], noLibrary)).toContain('`const childProcess = require("node:child_process")`')
  })

  it("a name of the library: imported inside from the entry that exports it", () => {
    const library = (name: string) => name === "currentProcess" ? ["effect-multiprocessing/compat"] : []
    expect(describeUnresolved("f", ["currentProcess"], ["currentProcess"], library)).toContain(
      '  - import `currentProcess` inside the function: `const { currentProcess } = await import("effect-multiprocessing/compat")` (the function becomes async)'
    )
  })

  it("other names that look imported: imported inside, or passed in if data", () => {
    expect(describeUnresolved("f", ["Schema"], [], noLibrary)).toContain(
      "  - import `Schema` inside the function: `const { Schema } = await import(\"…\")`, or pass it in as an argument if it is data"
    )
    expect(describeUnresolved("f", ["__vite_ssr_import_3__.default"], [], noLibrary)).toContain(
      "  - import it inside the function: `require(\"…\")` or `await import(\"…\")`"
    )
  })

  it("describes anonymous functions", () => {
    expect(describeUnresolved("", ["x"], [], noLibrary)).toMatch(/^An inline function uses `x`/)
  })
})
