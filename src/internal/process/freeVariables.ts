/**
 * Static analysis of a function's source text before it is sent to a child process.
 *
 * Inline functions travel as `Function.prototype.toString()` output and are re-evaluated in
 * the child, so anything they close over (outer variables, imports) does not exist there.
 * This module parses the source with acorn, runs a small scope analysis over the ESTree and
 * reports every free identifier the child will not provide.
 */
import { builtinModules, createRequire } from "node:module"
import * as acorn from "acorn"
import { childHelperNames } from "../child/helpers.js"
import { entriesExporting } from "../faces.js"

export interface FunctionAnalysis {
  /** Source to evaluate in the child as an expression, e.g. `(x) => x * 2` or `function square(x) { ... }`. */
  readonly expression: string
  /** Free identifiers that are neither bound inside the function nor known globals, in first-appearance order. */
  readonly unresolved: ReadonlyArray<string>
  /** Those of `unresolved` the function calls (`helper(x)`, `new Helper()`): functions, which cannot be passed in as data. */
  readonly called: ReadonlyArray<string>
  /** Why the function cannot travel as source at all (native/bound function, class, getter, unparsable source). */
  readonly notPortable?: string
}

/**
 * Standard globals that may exist in the child: ECMAScript built-ins plus what Node puts on
 * `globalThis` for every script. Newer names are listed too; the intersection below drops the
 * ones the running Node version lacks.
 */
const standardGlobals = [
  // ECMAScript
  "globalThis", "undefined", "NaN", "Infinity", "eval", "isFinite", "isNaN", "parseFloat", "parseInt",
  "decodeURI", "decodeURIComponent", "encodeURI", "encodeURIComponent", "escape", "unescape",
  "Object", "Function", "Boolean", "Symbol", "Number", "BigInt", "Math", "Date", "String", "RegExp",
  "Array", "Map", "Set", "WeakMap", "WeakSet", "WeakRef", "FinalizationRegistry", "Promise", "Proxy",
  "Reflect", "JSON", "Intl", "Atomics", "Iterator", "DisposableStack", "AsyncDisposableStack",
  "Error", "AggregateError", "EvalError", "RangeError", "ReferenceError", "SyntaxError", "TypeError",
  "URIError", "SuppressedError",
  "ArrayBuffer", "SharedArrayBuffer", "DataView", "Int8Array", "Uint8Array", "Uint8ClampedArray",
  "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "Float16Array", "Float32Array",
  "Float64Array", "BigInt64Array", "BigUint64Array", "WebAssembly",
  // Node
  "global", "process", "Buffer", "console", "setTimeout", "clearTimeout", "setInterval",
  "clearInterval", "setImmediate", "clearImmediate", "queueMicrotask", "structuredClone",
  // Web APIs exposed by Node
  "atob", "btoa", "URL", "URLSearchParams", "TextEncoder", "TextDecoder", "TextEncoderStream",
  "TextDecoderStream", "AbortController", "AbortSignal", "EventTarget", "Event", "CustomEvent",
  "MessageEvent", "CloseEvent", "MessageChannel", "MessagePort", "BroadcastChannel", "DOMException",
  "fetch", "Request", "Response", "Headers", "FormData", "Blob", "File", "WebSocket", "EventSource",
  "navigator", "Navigator", "crypto", "Crypto", "CryptoKey", "SubtleCrypto",
  "performance", "Performance", "PerformanceEntry", "PerformanceMark", "PerformanceMeasure",
  "PerformanceObserver", "PerformanceObserverEntryList", "PerformanceResourceTiming",
  "ReadableStream", "ReadableStreamDefaultReader", "ReadableStreamBYOBReader", "ReadableStreamBYOBRequest",
  "ReadableByteStreamController", "ReadableStreamDefaultController", "WritableStream",
  "WritableStreamDefaultWriter", "WritableStreamDefaultController", "TransformStream",
  "TransformStreamDefaultController", "ByteLengthQueuingStrategy", "CountQueuingStrategy",
  "CompressionStream", "DecompressionStream"
]

/**
 * Names that exist in the child. The hardcoded list is intersected with this process's
 * `globalThis` (the child runs the same Node binary) rather than copied from it, because test
 * runners, REPLs (`node -e` exposes `fs`, `os`, ...) and DOM environments add globals a plain
 * child process does not have.
 */
export const childGlobals: ReadonlySet<string> = new Set([
  ...standardGlobals.filter((name) => Object.prototype.hasOwnProperty.call(globalThis, name)),
  ...childHelperNames
])

/** `[native code]` is what V8 prints for built-ins, bound functions and proxies. */
const nativeSource = /\{\s*\[native code\]\s*\}\s*$/

/**
 * Bindings that stand for the module's imports once rewritten: vitest/vite's
 * `__vite_ssr_import_0__.foo`, esbuild's CommonJS output (tsx in a CommonJS
 * package) `import_node_crypto.createHash`.
 */
const rewrittenImport = /^(?:__vi(?:te_ssr)?_import_\d+__|import_[\w$]+)$/

const parseOptions: acorn.Options = {
  ecmaVersion: "latest",
  sourceType: "script",
  // Lets `import.meta` parse in script mode; import/export declarations cannot occur in a
  // function's source anyway, since the original would not have compiled.
  allowImportExportEverywhere: true
}

type FunctionNode = acorn.FunctionExpression | acorn.ArrowFunctionExpression

interface ParsedFunction {
  readonly expression: string
  readonly node: FunctionNode
  /** false for converted methods: a method's name is not in scope inside its body. */
  readonly bindsOwnName: boolean
}

interface Rejection {
  readonly reason: string
}

/**
 * Parses `fn`'s source and lists the free variables the child will not have.
 * `options.globals` replaces `childGlobals` (extend it with `new Set([...childGlobals, "x"])`).
 * Never throws for unparsable source: that is reported through `notPortable`.
 */
export const analyzeFunction = (
  fn: Function,
  options: { readonly globals?: ReadonlySet<string> } = {}
): FunctionAnalysis => {
  // Bypass any own `toString` override: we need the real source text.
  const source = Function.prototype.toString.call(fn)
  if (options.globals !== undefined) return analyzeSource(source, options.globals)
  let analysis = analyses.get(source)
  if (analysis === undefined) {
    // The same source gives the same analysis: a program starting a process per job parses its target once.
    if (analyses.size >= MAX_ANALYSES) analyses.clear()
    analysis = analyzeSource(source, childGlobals)
    analyses.set(source, analysis)
  }
  return analysis
}

/** Analyses of sources checked against `childGlobals`, by source text (a parse costs about a millisecond). */
const analyses = new Map<string, FunctionAnalysis>()
const MAX_ANALYSES = 256

const analyzeSource = (source: string, globals: ReadonlySet<string>): FunctionAnalysis => {
  const rejected = (reason: string): FunctionAnalysis => ({ expression: source, unresolved: [], called: [], notPortable: reason })
  if (nativeSource.test(source)) {
    return rejected("it is a native or bound function, so its source code is not available")
  }
  const parsed = parseFunctionSource(source)
  if ("reason" in parsed) return rejected(parsed.reason)
  return { expression: parsed.expression, ...findUnresolved(parsed.node, parsed.bindsOwnName, globals) }
}

/** Node's built-in modules by the names an import of them usually binds: `os`, `fs`, `childProcess`, `fsPromises`. */
let builtins: ReadonlyMap<string, string> | undefined
/** Made at first use: the start-up snapshot's builder has no `builtinModules`. */
const builtinByName = (): ReadonlyMap<string, string> => (builtins ??= new Map(
  builtinModules.filter((name) => !name.startsWith("_")).flatMap((name) => {
    const camel = name.replace(/[_/]([a-z])/g, (_, letter: string) => letter.toUpperCase())
    return [...new Set([name, camel])].filter((binding) => /^[A-Za-z$][\w$]*$/.test(binding))
      .map((binding) => [binding, name] as const)
  })
))

/** What an import usually binds: a built-in module's name, a namespace or class (`Effect`), or a rewritten import. */
const looksImported = (name: string): boolean =>
  builtinByName().has(name) || /^[A-Z][a-z]\w*$/.test(name) || rewrittenImport.test(name.split(".")[0])

/**
 * Built-in modules whose named exports a target commonly imports (`createHash`
 * from `node:crypto`), in the order a name is looked up. Loaded only to advise
 * on a function already refused; none of them warns when loaded.
 */
const commonBuiltins = [
  "crypto", "fs", "fs/promises", "path", "os", "util", "zlib", "child_process", "url", "events", "stream",
  "net", "http", "https", "worker_threads", "timers/promises", "buffer", "assert", "readline", "dns",
  "querystring", "string_decoder", "v8", "vm", "perf_hooks", "async_hooks"
]

/** The built-in module that exports `name` (`node:crypto` for `createHash`), if a common one does. */
const builtinExporting = (name: string): string | undefined => {
  const load = createRequire(import.meta.url)
  return commonBuiltins.find((module) => {
    try {
      return Object.prototype.hasOwnProperty.call(load(`node:${module}`), name)
    } catch {
      return false
    }
  })
}

/** The one line of advice for a name the function uses: where the child can get it. */
const adviceFor = (
  name: string,
  called: boolean,
  libraryEntries: (name: string) => ReadonlyArray<string>
): string => {
  const library = libraryEntries(name)
  if (library.length > 0) {
    const imports = library.map((entry) => `\`const { ${name} } = await import("${entry}")\``).join(" or ")
    return `import \`${name}\` inside the function: ${imports} (the function becomes async)`
  }
  const builtinNamespace = builtinByName().get(name)
  if (builtinNamespace !== undefined) {
    const specifier = `node:${builtinNamespace}`
    return `import \`${name}\` inside the function: \`const ${name} = require("${specifier}")\` or \`await import("${specifier}")\``
  }
  const builtinModule = /^[A-Za-z$][\w$]*$/.test(name) ? builtinExporting(name) : undefined
  if (builtinModule !== undefined) {
    const specifier = `node:${builtinModule}`
    return `import \`${name}\` inside the function: \`const { ${name} } = require("${specifier}")\` or \`await import("${specifier}")\``
  }
  if (rewrittenImport.test(name.split(".")[0])) {
    return "import it inside the function: `require(\"…\")` or `await import(\"…\")`"
  }
  if (called) {
    const orImport = looksImported(name) ? `, or import it there (\`const { ${name} } = await import("…")\`)` : ""
    return `define \`${name}\` inside the function${orImport}: a function cannot be passed in as an argument`
  }
  return looksImported(name)
    ? `import \`${name}\` inside the function: \`const { ${name} } = await import("…")\`, or pass it in as an argument if it is data`
    : `pass \`${name}\` in as an argument`
}

/**
 * The error message for a function whose analysis found unresolved names: one
 * line of advice per name (pass a value in; define a function inside; import
 * an import inside, naming the module when it is built in or the library's),
 * then the module target, which fixes them all. `libraryEntries` gives the
 * library's entry modules that export a name (those loaded in this process).
 */
export const describeUnresolved = (
  functionName: string,
  unresolved: ReadonlyArray<string>,
  called: ReadonlyArray<string> = [],
  libraryEntries: (name: string) => ReadonlyArray<string> = entriesExporting
): string => {
  const subject = functionName === "" ? "An inline function" : `Inline function "${functionName}"`
  const names = unresolved.map((name) => `\`${name}\``).join(", ")
  return [
    `${subject} uses ${names} from its enclosing scope, which will not exist in the child process ` +
    `(inline functions travel as source text, without their closure). To fix it:`,
    ...unresolved.map((name) => `  - ${adviceFor(name, called.includes(name), libraryEntries)}`),
    `  - or use a module target (\`Target.module(...)\`): the child imports your module itself, with its imports and functions.`
  ].join("\n")
}

// ---------------------------------------------------------------------------------------------
// Turning `fn.toString()` into an evaluable expression

const parseFunctionSource = (source: string): ParsedFunction | Rejection => {
  let expressionError: unknown
  try {
    const node = parseAsExpression(source)
    if (node.type === "ClassExpression") {
      return { reason: "it is a class; only functions can be sent as source" }
    }
    if (node.type === "FunctionExpression" || node.type === "ArrowFunctionExpression") {
      return { expression: source, node, bindsOwnName: true }
    }
  } catch (error) {
    expressionError = error
  }
  // Not an expression: method shorthand such as `square(x) { ... }` or `async *items() { ... }`.
  const method = parseAsMethod(source)
  if (method === undefined) {
    return { reason: `its source could not be parsed: ${errorMessage(expressionError)}` }
  }
  if (method.kind === "get" || method.kind === "set") {
    return { reason: `it is a ${method.kind}ter; pass a plain function instead` }
  }
  return methodToFunction(source, method)
}

/** Parses `(source)` and returns the expression, which must span the whole source. */
const parseAsExpression = (source: string): acorn.Expression => {
  // The newline keeps a trailing line comment from swallowing the closing parenthesis.
  const program = acorn.parse(`(${source}\n)`, parseOptions)
  const statement = program.body[0]
  if (
    program.body.length !== 1 || statement.type !== "ExpressionStatement" ||
    statement.expression.start !== 1 || statement.expression.end !== 1 + source.length
  ) {
    throw new SyntaxError("the source is not a single function expression")
  }
  return statement.expression
}

interface MethodShape {
  readonly kind: string
  readonly key: acorn.Expression | acorn.PrivateIdentifier
  readonly computed: boolean
  readonly value: acorn.FunctionExpression
  /** Where the source starts inside the wrapper that was parsed. */
  readonly offset: number
}

/**
 * Parses a method by wrapping it in an object literal, or in a class body for private methods
 * (`#helper() {}`), which object literals do not allow.
 */
const parseAsMethod = (source: string): MethodShape | undefined => {
  for (const [prefix, suffix] of [["({ ", "\n})"], ["(class { ", "\n})"]]) {
    let program: acorn.Program
    try {
      program = acorn.parse(prefix + source + suffix, parseOptions)
    } catch {
      continue
    }
    const statement = program.body[0]
    if (statement?.type !== "ExpressionStatement") continue
    const container = statement.expression
    const members = container.type === "ObjectExpression" ? container.properties
      : container.type === "ClassExpression" ? container.body.body
      : []
    const member = members[0]
    if (
      members.length === 1 && member.start === prefix.length && member.end === prefix.length + source.length &&
      (member.type === "Property" || member.type === "MethodDefinition") &&
      member.value.type === "FunctionExpression"
    ) {
      return { kind: member.kind, key: member.key, computed: member.computed, value: member.value, offset: prefix.length }
    }
  }
  return undefined
}

const methodToFunction = (source: string, method: MethodShape): ParsedFunction | Rejection => {
  const keyword = `${method.value.async ? "async " : ""}function${method.value.generator ? "*" : ""}`
  const parametersAndBody = source.slice(method.value.start - method.offset)
  const anonymous = `${keyword} ${parametersAndBody}`
  // Keep the method's name for stack traces when it is a valid binding name (not `delete`, `#x`, `[k]`).
  const candidates = !method.computed && method.key.type === "Identifier"
    ? [`${keyword} ${method.key.name}${parametersAndBody}`, anonymous]
    : [anonymous]
  let lastError: unknown
  for (const expression of candidates) {
    try {
      const node = parseAsExpression(expression)
      if (node.type === "FunctionExpression") return { expression, node, bindsOwnName: false }
    } catch (error) {
      lastError = error
    }
  }
  // Typically `super` or a private name, which only work inside the original object or class.
  return { reason: `it is a method that cannot stand alone as a function: ${errorMessage(lastError)}` }
}

const errorMessage = (error: unknown): string => error instanceof Error ? error.message : String(error)

// ---------------------------------------------------------------------------------------------
// Scope analysis

interface Scope {
  readonly names: ReadonlySet<string>
  readonly parent: Scope | undefined
}

const childScope = (parent: Scope | undefined, names: Iterable<string>): Scope => ({ names: new Set(names), parent })

const isBound = (scope: Scope | undefined, name: string): boolean => {
  for (let current = scope; current !== undefined; current = current.parent) {
    if (current.names.has(name)) return true
  }
  return false
}

const isNode = (value: unknown): value is acorn.AnyNode =>
  typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string"

const childNodes = (node: acorn.AnyNode): Array<acorn.AnyNode> =>
  Object.values(node).flatMap((value) => Array.isArray(value) ? value.filter(isNode) : isNode(value) ? [value] : [])

/** Names a declaration pattern binds: `a`, `{ b: [c, ...d] = e }` binds `c` and `d`. */
const bindingNames = (pattern: acorn.Pattern): Array<string> => {
  switch (pattern.type) {
    case "Identifier":
      return [pattern.name]
    case "ObjectPattern":
      return pattern.properties.flatMap((property) =>
        bindingNames(property.type === "RestElement" ? property.argument : property.value)
      )
    case "ArrayPattern":
      return pattern.elements.flatMap((element) => element === null ? [] : bindingNames(element))
    case "RestElement":
      return bindingNames(pattern.argument)
    case "AssignmentPattern":
      return bindingNames(pattern.left)
    case "MemberExpression":
      return []
  }
}

/** let/const/using, class and function declarations made directly in a statement list. */
const lexicalNames = (statements: ReadonlyArray<acorn.AnyNode>): Array<string> =>
  statements.flatMap((statement) => {
    switch (statement.type) {
      case "VariableDeclaration":
        return statement.kind === "var" ? [] : statement.declarations.flatMap((declarator) => bindingNames(declarator.id))
      case "ClassDeclaration":
      case "FunctionDeclaration":
        return statement.id ? [statement.id.name] : []
      default:
        return []
    }
  })

/** `var` declarations anywhere in a function body, which hoist to the function's scope. */
const hoistedVarNames = (node: acorn.AnyNode): Array<string> => {
  switch (node.type) {
    case "FunctionDeclaration":
    case "FunctionExpression":
    case "ArrowFunctionExpression":
    case "StaticBlock":
      return [] // each has its own var scope
    case "VariableDeclaration":
      // Initializers cannot declare anything outside a nested function.
      return node.kind === "var" ? node.declarations.flatMap((declarator) => bindingNames(declarator.id)) : []
    default:
      return childNodes(node).flatMap(hoistedVarNames)
  }
}

const functionBodyScope = (parent: Scope, statements: ReadonlyArray<acorn.AnyNode>): Scope =>
  childScope(parent, [...statements.flatMap(hoistedVarNames), ...lexicalNames(statements)])

const importedName = (member: acorn.MemberExpression): string | undefined => {
  if (member.object.type !== "Identifier" || !rewrittenImport.test(member.object.name)) return undefined
  const property = member.property
  const name = !member.computed && property.type === "Identifier" ? property.name
    : property.type === "Literal" && typeof property.value === "string" ? property.value
    : undefined
  // A default import's local name is lost in the rewrite; the raw access is the best clue left.
  return name === "default" ? `${member.object.name}.default` : name
}

/** The name a call's callee is reported under: `helper`, or the imported name of `(0, __vite_ssr_import_0__.helper)`. */
const calleeName = (callee: acorn.AnyNode): string | undefined => {
  switch (callee.type) {
    case "Identifier":
      return callee.name
    case "MemberExpression":
      return importedName(callee)
    case "SequenceExpression":
      return calleeName(callee.expressions[callee.expressions.length - 1])
    case "ChainExpression":
      return calleeName(callee.expression)
    default:
      return undefined
  }
}

const findUnresolved = (
  root: FunctionNode,
  bindsOwnName: boolean,
  globals: ReadonlySet<string>
): { readonly unresolved: Array<string>; readonly called: Array<string> } => {
  const firstSeenAt = new Map<string, number>()
  const calledNames = new Set<string>()

  const reference = (identifier: acorn.Identifier, scope: Scope, reportedName = identifier.name): void => {
    if (isBound(scope, identifier.name) || globals.has(identifier.name) || firstSeenAt.has(reportedName)) return
    firstSeenAt.set(reportedName, identifier.start)
  }

  const visitAll = (nodes: ReadonlyArray<acorn.AnyNode | null | undefined>, scope: Scope): void => {
    for (const node of nodes) visit(node, scope)
  }

  /** Patterns bind names (declarations) or assign to existing ones (`[a, b] = [b, a]`). */
  const visitPattern = (pattern: acorn.Pattern, scope: Scope, assigns: boolean): void => {
    switch (pattern.type) {
      case "Identifier":
        if (assigns) reference(pattern, scope)
        return
      case "MemberExpression":
        return visit(pattern, scope)
      case "ObjectPattern":
        for (const property of pattern.properties) {
          if (property.type === "RestElement") {
            visitPattern(property.argument, scope, assigns)
          } else {
            if (property.computed) visit(property.key, scope)
            visitPattern(property.value, scope, assigns)
          }
        }
        return
      case "ArrayPattern":
        for (const element of pattern.elements) if (element !== null) visitPattern(element, scope, assigns)
        return
      case "RestElement":
        return visitPattern(pattern.argument, scope, assigns)
      case "AssignmentPattern":
        visitPattern(pattern.left, scope, assigns)
        return visit(pattern.right, scope)
    }
  }

  const visitFunction = (fn: Extract<acorn.AnyNode, acorn.Function>, scope: Scope, bindsName: boolean): void => {
    // Parameters get their own scope: defaults cannot see `var`s declared in the body.
    const parameterScope = childScope(scope, [
      ...(bindsName && fn.id ? [fn.id.name] : []),
      ...(fn.type === "ArrowFunctionExpression" ? [] : ["arguments"]),
      ...fn.params.flatMap(bindingNames)
    ])
    for (const parameter of fn.params) visitPattern(parameter, parameterScope, false)
    if (fn.body.type === "BlockStatement") {
      const statements = fn.body.body
      visitAll(statements, functionBodyScope(parameterScope, statements))
    } else {
      visit(fn.body, parameterScope)
    }
  }

  const visit = (node: acorn.AnyNode | null | undefined, scope: Scope): void => {
    if (node === null || node === undefined) return
    switch (node.type) {
      case "Identifier":
        return reference(node, scope)
      case "MemberExpression": {
        const imported = importedName(node)
        if (imported !== undefined) reference(node.object as acorn.Identifier, scope, imported)
        else visit(node.object, scope)
        if (node.computed) visit(node.property, scope)
        return
      }
      case "Property": // object literal entry; `{ a }` has value `a`, a reference
      case "MethodDefinition":
      case "PropertyDefinition":
        if (node.computed) visit(node.key, scope)
        return visit(node.value, scope)
      case "PrivateIdentifier": // `#x in obj`
      case "MetaProperty": // new.target, import.meta
      case "BreakStatement": // labels are not variables
      case "ContinueStatement":
        return
      case "LabeledStatement":
        return visit(node.body, scope)
      case "FunctionDeclaration": // its name is bound in the enclosing block
        return visitFunction(node, scope, false)
      case "FunctionExpression":
        return visitFunction(node, scope, true)
      case "ArrowFunctionExpression":
        return visitFunction(node, scope, false)
      case "ClassDeclaration":
      case "ClassExpression": {
        visit(node.superClass, scope)
        const classScope = childScope(scope, node.id ? [node.id.name] : [])
        return visitAll(node.body.body, classScope)
      }
      case "StaticBlock":
        return visitAll(node.body, functionBodyScope(scope, node.body))
      case "BlockStatement":
        return visitAll(node.body, childScope(scope, lexicalNames(node.body)))
      case "SwitchStatement": {
        visit(node.discriminant, scope)
        // All cases share one block.
        const casesScope = childScope(scope, lexicalNames(node.cases.flatMap((switchCase) => switchCase.consequent)))
        for (const switchCase of node.cases) {
          visit(switchCase.test, casesScope)
          visitAll(switchCase.consequent, casesScope)
        }
        return
      }
      case "ForStatement": {
        const loopScope = childScope(scope, node.init ? lexicalNames([node.init]) : [])
        return visitAll([node.init, node.test, node.update, node.body], loopScope)
      }
      case "ForInStatement":
      case "ForOfStatement": {
        const loopScope = childScope(scope, lexicalNames([node.left]))
        if (node.left.type === "VariableDeclaration") visit(node.left, loopScope)
        else visitPattern(node.left, scope, true)
        return visitAll([node.right, node.body], loopScope)
      }
      case "VariableDeclaration":
        for (const declarator of node.declarations) {
          visitPattern(declarator.id, scope, false)
          visit(declarator.init, scope)
        }
        return
      case "CatchClause": {
        const catchScope = childScope(scope, node.param ? bindingNames(node.param) : [])
        if (node.param) visitPattern(node.param, catchScope, false)
        return visit(node.body, catchScope)
      }
      case "AssignmentExpression":
        visitPattern(node.left, scope, true)
        return visit(node.right, scope)
      case "CallExpression":
      case "NewExpression": {
        const name = calleeName(node.callee)
        if (name !== undefined) calledNames.add(name)
        return visitAll(childNodes(node), scope)
      }
      case "TaggedTemplateExpression": {
        const name = calleeName(node.tag)
        if (name !== undefined) calledNames.add(name)
        return visitAll(childNodes(node), scope)
      }
      default:
        return visitAll(childNodes(node), scope)
    }
  }

  visitFunction(root, childScope(undefined, []), bindsOwnName)
  const unresolved = [...firstSeenAt].sort(([, a], [, b]) => a - b).map(([name]) => name)
  return { unresolved, called: unresolved.filter((name) => calledNames.has(name)) }
}
