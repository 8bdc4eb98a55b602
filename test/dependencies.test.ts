/**
 * The dependency rules of `src/` (issue 17, docs/architecture.md), read from
 * the sources with the TypeScript parser: every static import and re-export,
 * `import("…")` in code and in types, `require("…")`, and a module loaded by
 * URL (`new URL("./x.js", import.meta.url)`, how a child is pointed at a file).
 * Type-only imports count: a type is a dependency too.
 *
 * Each failure lists the offending imports as `file → import`, so it says
 * what to change.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import ts from "typescript"
import { describe, expect, it } from "vitest"

const root = path.resolve(new URL("..", import.meta.url).pathname)
const src = path.join(root, "src")

interface Import {
  /** The importing file, relative to the project root (`src/internal/queue/queueCore.ts`). */
  readonly from: string
  /** The specifier as written. */
  readonly specifier: string
  /** The imported file relative to the project root when the specifier is relative, else the package name. */
  readonly target: string
  readonly local: boolean
  readonly typeOnly: boolean
}

const sourceFiles = (dir: string): Array<string> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(full)
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [full] : []
  })

const resolveLocal = (fromFile: string, specifier: string): string => {
  const base = path.resolve(path.dirname(fromFile), specifier)
  const candidates = [
    base.replace(/\.(c|m)?js$/, ".ts"),
    base,
    `${base}.ts`,
    path.join(base, "index.ts")
  ]
  const found = candidates.find((candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile())
  return path.relative(root, found ?? candidates[0])
}

const packageName = (specifier: string): string => {
  if (specifier.startsWith("node:")) return specifier
  const parts = specifier.split("/")
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]
}

const isImportMetaUrl = (node: ts.Node): boolean =>
  ts.isPropertyAccessExpression(node) && node.name.text === "url" && ts.isMetaProperty(node.expression)
  && node.expression.keywordToken === ts.SyntaxKind.ImportKeyword

/** Every module `file` depends on. */
const importsOf = (file: string): Array<Import> => {
  const text = fs.readFileSync(file, "utf8")
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  const found: Array<Import> = []
  const add = (specifier: string, typeOnly: boolean) => {
    const local = specifier.startsWith(".")
    found.push({
      from: path.relative(root, file),
      specifier,
      target: local ? resolveLocal(file, specifier) : packageName(specifier),
      local,
      typeOnly
    })
  }
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause
      const typeOnly = clause !== undefined && (clause.isTypeOnly || (
        clause.name === undefined && clause.namedBindings !== undefined && ts.isNamedImports(clause.namedBindings)
        && clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly)
      ))
      add(node.moduleSpecifier.text, typeOnly)
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.isTypeOnly)
    } else if (
      ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)
      && ts.isStringLiteral(node.moduleReference.expression)
    ) {
      add(node.moduleReference.expression.text, node.isTypeOnly)
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, true)
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1 && ts.isStringLiteralLike(node.arguments[0])) {
      const callee = node.expression
      const isDynamicImport = callee.kind === ts.SyntaxKind.ImportKeyword
      const isRequire = ts.isIdentifier(callee) && /require$/i.test(callee.text)
      if (isDynamicImport || isRequire) add(node.arguments[0].text, false)
    } else if (
      ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "URL"
      && node.arguments !== undefined && node.arguments.length === 2 && ts.isStringLiteralLike(node.arguments[0])
      && node.arguments[0].text.startsWith(".") && /\.(c|m)?[jt]s$/.test(node.arguments[0].text)
      && isImportMetaUrl(node.arguments[1])
    ) {
      add(node.arguments[0].text, false) // a module loaded by URL: a child's entry point, a dynamic import
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

const allImports: ReadonlyArray<Import> = sourceFiles(src).flatMap(importsOf)

const under = (dir: string) => (file: string) => file.startsWith(`src/${dir}/`)
const inInternal = under("internal")
const inCompat = under("compat")
/** A public module: a file directly in src/. */
const isPublic = (file: string) => /^src\/[^/]+\.ts$/.test(file)

const show = (imports: ReadonlyArray<Import>): string =>
  imports.map((i) => `  ${i.from} → ${i.specifier}${i.typeOnly ? " (type only)" : ""}`).join("\n")

const expectNone = (imports: ReadonlyArray<Import>, rule: string) => {
  expect(imports.length, `${rule}. Offending imports (${imports.length}):\n${show(imports)}\n`).toBe(0)
}

describe("dependency rules of src/", () => {
  it("the scan sees the sources and their imports", () => {
    // A guard against a scan that silently finds nothing.
    expect(allImports.some((i) => i.from === "src/index.ts" && i.local)).toBe(true)
    expect(allImports.some((i) => inInternal(i.from))).toBe(true)
    expect(allImports.some((i) => inCompat(i.from))).toBe(true)
    const unresolved = allImports.filter((i) => i.local && !fs.existsSync(path.join(root, i.target)))
    expect(unresolved, `imports that resolve to no file:\n${show(unresolved)}`).toEqual([])
  })

  it("src/internal/ never imports src/compat/", () => {
    expectNone(
      allImports.filter((i) => inInternal(i.from) && i.local && inCompat(i.target)),
      "src/internal/ imports src/compat/ (the internals know one face; what compat needs crosses through the symbols of internal/faces.ts)"
    )
  })

  it("src/compat/ imports only the public modules, itself, effect and node:*", () => {
    expectNone(
      allImports.filter((i) =>
        inCompat(i.from) && (i.local
          ? !(isPublic(i.target) || inCompat(i.target))
          : !(i.target === "effect" || i.target.startsWith("node:")))
      ),
      "src/compat/ imports something other than a public module (src/*.ts), another compat module, effect or node:* (the compat face translates the public API; what it needs from the internals crosses through compat/runtime.ts)"
    )
  })

  it("the codec (src/internal/codec/) imports no process, transport or served module", () => {
    const forbiddenFolders = ["process", "thisProcess", "child", "wire", "connection", "served", "lock", "sync", "sharedValue", "queue", "manager", "pool"]
    // Public modules the codec may name: the errors it raises and the serializer interface it implements.
    const allowedPublic = new Set(["src/Errors.ts", "src/Serializer.ts"])
    expectNone(
      allImports.filter((i) =>
        under("internal/codec")(i.from) && (i.local
          ? forbiddenFolders.some((folder) => under(`internal/${folder}`)(i.target))
            || (isPublic(i.target) && !allowedPublic.has(i.target))
            || inCompat(i.target)
          : i.target === "node:net" || i.target === "node:child_process")
      ),
      `src/internal/codec/ imports a process, transport or served module (forbidden: internal/{${forbiddenFolders.join(",")}}/, public modules other than Errors.ts and Serializer.ts, compat/, node:net, node:child_process)`
    )
  })

  it("the transport (src/internal/wire/) imports no public module except Errors.ts and Serializer.ts", () => {
    expectNone(
      allImports.filter((i) =>
        under("internal/wire")(i.from) && i.local
        && ((isPublic(i.target) && i.target !== "src/Errors.ts" && i.target !== "src/Serializer.ts") || inCompat(i.target))
      ),
      "src/internal/wire/ imports a public module other than Errors.ts or Serializer.ts"
    )
  })

  it("the folders of src/internal/ import each other without cycles", () => {
    // A folder is one concept; a file directly in internal/ is a concept of its own (kinds.ts, which
    // loads every kind, sits above them all; wallClock.ts and the like below). So is the program a
    // child or a pool worker starts with: it loads the kinds it revives, so it sits above every folder,
    // its own included.
    const entryPoints = new Set(["src/internal/child/bootstrap.ts", "src/internal/child/poolWorker.ts"])
    const node = (file: string) => {
      if (entryPoints.has(file)) return file
      const parts = file.split("/")
      return parts.length > 3 ? parts.slice(0, 3).join("/") + "/" : file
    }
    const edges = new Map<string, Array<Import>>()
    for (const i of allImports) {
      if (!(i.local && inInternal(i.from) && inInternal(i.target))) continue
      const [from, to] = [node(i.from), node(i.target)]
      if (from === to) continue
      const key = `${from} ${to}`
      edges.set(key, [...(edges.get(key) ?? []), i])
    }
    const next = new Map<string, Set<string>>()
    for (const key of edges.keys()) {
      const [from, to] = key.split(" ")
      next.set(from, (next.get(from) ?? new Set()).add(to))
    }
    // Tarjan's strongly connected components: a component of more than one node is a cycle.
    const index = new Map<string, number>()
    const low = new Map<string, number>()
    const stack: Array<string> = []
    const cycles: Array<Array<string>> = []
    const visit = (v: string) => {
      index.set(v, index.size)
      low.set(v, index.get(v)!)
      stack.push(v)
      for (const w of next.get(v) ?? []) {
        if (!index.has(w)) {
          visit(w)
          low.set(v, Math.min(low.get(v)!, low.get(w)!))
        } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
      }
      if (low.get(v) === index.get(v)) {
        const component: Array<string> = []
        let w: string
        do {
          w = stack.pop()!
          component.push(w)
        } while (w !== v)
        if (component.length > 1) cycles.push(component)
      }
    }
    for (const v of next.keys()) if (!index.has(v)) visit(v)
    const offending = cycles.flatMap((component) =>
      [...edges].flatMap(([key, imports]) => {
        const [from, to] = key.split(" ")
        return component.includes(from) && component.includes(to) ? imports : []
      })
    )
    expect(next.size, "the scan found no imports between the folders of src/internal/").toBeGreaterThan(5)
    expectNone(
      offending,
      `folders of src/internal/ import each other in a cycle (${cycles.map((c) => c.sort().join(" ⇄ ")).join("; ")}): move what both need to a lower folder`
    )
  })

  it("internal/faces.ts and compat/runtime.ts register the same symbol keys", () => {
    const keys = (file: string): Array<string> => {
      const text = fs.readFileSync(path.join(root, file), "utf8")
      const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
      const found = new Set<string>()
      const visit = (node: ts.Node): void => {
        if (
          ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)
          && ts.isIdentifier(node.expression.expression) && node.expression.expression.text === "Symbol"
          && node.expression.name.text === "for" && node.arguments.length === 1 && ts.isStringLiteralLike(node.arguments[0])
        ) found.add(node.arguments[0].text)
        ts.forEachChild(node, visit)
      }
      visit(source)
      return [...found].sort()
    }
    const faces = keys("src/internal/faces.ts")
    const runtime = keys("src/compat/runtime.ts")
    expect(faces.length, "src/internal/faces.ts registers no symbol").toBeGreaterThan(0)
    const onlyFaces = faces.filter((key) => !runtime.includes(key))
    const onlyRuntime = runtime.filter((key) => !faces.includes(key))
    expect(
      { onlyInInternalFaces: onlyFaces, onlyInCompatRuntime: onlyRuntime },
      "the two sides of one protocol name different Symbol.for keys (each key must appear in both files)"
    ).toEqual({ onlyInInternalFaces: [], onlyInCompatRuntime: [] })
  })
})
