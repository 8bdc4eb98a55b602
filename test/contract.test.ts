/**
 * The published declarations are the contract (issue 17): over the `.d.ts`
 * files the package's `exports` reach (dist/index.d.ts, dist/compat/index.d.ts
 * and the public modules they re-export), nothing a user sees may be
 *
 * - named `unsafe…` or `…Impl`,
 * - marked `@internal`,
 * - a type (or value) of an internal module (`dist/internal/…`): imported,
 *   re-exported, named through `import("./internal/…")`, or inherited from one.
 *
 * Each failure names the public module and the offending name. Reads the
 * build (`npm test` builds first), as users get it.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import ts from "typescript"
import { describe, expect, it } from "vitest"

const root = path.resolve(new URL("..", import.meta.url).pathname)
const dist = path.join(root, "dist")
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
  exports: Record<string, string | { types?: string }>
}

/** The declaration files named by the package's exports. */
const entries = Object.values(pkg.exports)
  .flatMap((target) => typeof target === "object" && target.types !== undefined ? [path.join(root, target.types)] : [])

const isInternal = (file: string) => path.relative(dist, file).split(path.sep)[0] === "internal"
const shown = (file: string) => path.relative(root, file)

const unsafeName = /unsafe/i
const implName = /Impl(?![a-z])/

interface Violation {
  readonly module: string
  readonly name: string
  readonly problem: string
}

const check = (): { readonly violations: ReadonlyArray<Violation>; readonly modules: ReadonlyArray<string> } => {
  const program = ts.createProgram(entries, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: ["node"],
    skipLibCheck: true,
    noEmit: true
  })
  const checker = program.getTypeChecker()
  const violations: Array<Violation> = []
  const report = (file: string, name: string, problem: string) =>
    violations.push({ module: shown(file), name, problem })

  const declarationFile = (symbol: ts.Symbol): ReadonlyArray<string> =>
    (symbol.declarations ?? []).map((d) => d.getSourceFile().fileName)

  const resolved = (symbol: ts.Symbol): ts.Symbol =>
    symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol

  const moduleFile = (specifier: ts.Expression): string | undefined => {
    const symbol = checker.getSymbolAtLocation(specifier)
    const declaration = symbol?.valueDeclaration ?? symbol?.declarations?.[0]
    return declaration?.getSourceFile().fileName
  }

  // The public modules: the entry points and whatever they re-export, transitively, outside internal/.
  const publicFiles = new Set<string>()
  const frontier = entries.map((entry) => path.resolve(entry))
  while (frontier.length > 0) {
    const file = frontier.pop()!
    if (publicFiles.has(file)) continue
    publicFiles.add(file)
    const source = program.getSourceFile(file)
    if (source === undefined) {
      report(file, "(module)", "declaration file missing: run `npm run build`")
      continue
    }
    for (const statement of source.statements) {
      if (!ts.isExportDeclaration(statement) || statement.moduleSpecifier === undefined) continue
      const target = moduleFile(statement.moduleSpecifier)
      const specifier = (statement.moduleSpecifier as ts.StringLiteral).text
      if (target === undefined) {
        report(file, specifier, "re-exports a module that does not resolve")
      } else if (isInternal(target)) {
        const names = statement.exportClause === undefined
          ? ["*"]
          : ts.isNamedExports(statement.exportClause)
          ? statement.exportClause.elements.map((e) => e.name.text)
          : [statement.exportClause.name.text]
        for (const name of names) report(file, name, `re-exported from internal module ${shown(target)}`)
      } else if (target.startsWith(dist)) {
        frontier.push(target)
      }
    }
  }

  /** The name a node is reported under: its declaration path inside the module (`ProcessQueue.unsafePut`). */
  const qualifiedName = (node: ts.Node): string => {
    const names: Array<string> = []
    for (let at: ts.Node | undefined = node; at !== undefined && !ts.isSourceFile(at); at = at.parent) {
      const name = (at as ts.NamedDeclaration).name
      if (name !== undefined && (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name))) {
        names.unshift(name.text)
      } else if (name !== undefined && ts.isComputedPropertyName(name)) {
        names.unshift(`[${name.expression.getText()}]`)
      } else if (ts.isConstructorDeclaration(at)) {
        names.unshift("constructor")
      }
    }
    return names.join(".") || "(module)"
  }

  for (const file of [...publicFiles].sort()) {
    const source = program.getSourceFile(file)
    if (source === undefined) continue

    const visit = (node: ts.Node): void => {
      // A public declaration marked @internal.
      // (A variable statement's JSDoc is its declarations': reported under their names.)
      if (!ts.isVariableStatement(node) && ts.getJSDocTags(node).some((tag) => tag.tagName.text === "internal")) {
        report(file, qualifiedName(node), "marked @internal")
      }
      // A declared name (member, export, parameter of an exported signature is not a name a user calls).
      const name = (node as ts.NamedDeclaration).name
      if (name !== undefined && !ts.isParameter(node) && !ts.isTypeParameterDeclaration(node)) {
        const text = ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name) ? name.text : undefined
        if (text !== undefined && unsafeName.test(text)) report(file, qualifiedName(node), "name contains `unsafe`")
        if (text !== undefined && implName.test(text)) report(file, qualifiedName(node), "name contains `Impl`")
      }
      // A type or value named in a signature, resolved through imports: internal, unsafe or Impl.
      if (ts.isIdentifier(node) && !((node.parent as ts.NamedDeclaration).name === node)) {
        if (unsafeName.test(node.text)) report(file, `${qualifiedName(node.parent)} → ${node.text}`, "names `unsafe…`")
        if (implName.test(node.text)) report(file, `${qualifiedName(node.parent)} → ${node.text}`, "names `…Impl`")
        const symbol = checker.getSymbolAtLocation(node)
        if (symbol !== undefined) {
          const internal = declarationFile(resolved(symbol)).find(isInternal)
          if (internal !== undefined) {
            report(file, `${qualifiedName(node.parent)} → ${node.text}`, `from internal module ${shown(internal)}`)
          }
        }
      }
      // `export { x }` of something imported: judged by what it resolves to.
      if (ts.isExportSpecifier(node)) {
        const symbol = checker.getExportSpecifierLocalTargetSymbol(node)
        const internal = symbol === undefined ? undefined : declarationFile(resolved(symbol)).find(isInternal)
        if (internal !== undefined) report(file, node.name.text, `re-exported from internal module ${shown(internal)}`)
      }
      if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
        const specifier = node.argument.literal.text
        const target = path.resolve(path.dirname(file), specifier)
        if (isInternal(target)) {
          const what = node.qualifier === undefined ? "" : `.${node.qualifier.getText()}`
          report(file, `${qualifiedName(node.parent)} → import("${specifier}")${what}`, "type from an internal module")
        }
      }
      ts.forEachChild(node, visit)
    }

    for (const statement of source.statements) {
      // Imports are judged where they are used; a re-export was judged above.
      if (ts.isImportDeclaration(statement)) continue
      if (ts.isExportDeclaration(statement) && statement.moduleSpecifier !== undefined) continue
      visit(statement)

      // Members an exported interface, class or type brings in from elsewhere (`extends Omit<Internal, …>`):
      // the internal type that brings them is reported where it is named; here, what a user would see of it.
      const declared = ts.isInterfaceDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isTypeAliasDeclaration(statement)
        ? statement
        : undefined
      if (declared?.name === undefined) continue
      const symbol = checker.getSymbolAtLocation(declared.name)
      if (symbol === undefined) continue
      const type = checker.getDeclaredTypeOfSymbol(symbol)
      for (const property of checker.getPropertiesOfType(type)) {
        const ours = (property.declarations ?? []).filter((d) => d.getSourceFile().fileName.startsWith(dist))
        const inherited = ours.filter((d) => d.getSourceFile() !== source)
        if (inherited.length === 0) continue // declared here: seen by the walk above
        const member = `${declared.name.text}.${checker.symbolToString(property)}`
        if (unsafeName.test(property.getName())) report(file, member, "inherited member named `unsafe…`")
        if (implName.test(property.getName())) report(file, member, "inherited member named `…Impl`")
        for (const declaration of inherited) {
          if (ts.getJSDocTags(declaration).some((tag) => tag.tagName.text === "internal")) {
            report(file, member, `inherited member marked @internal (${shown(declaration.getSourceFile().fileName)})`)
          }
        }
      }
    }
  }

  // One line per offending name, with everything wrong with it.
  const merged = new Map<string, Violation>()
  for (const v of violations) {
    const key = `${v.module}\u0000${v.name}`
    const before = merged.get(key)
    if (before === undefined) merged.set(key, v)
    else if (!before.problem.split("; ").includes(v.problem)) merged.set(key, { ...v, problem: `${before.problem}; ${v.problem}` })
  }
  return { violations: [...merged.values()], modules: [...publicFiles].map(shown).sort() }
}

describe("the published declarations are the contract", () => {
  const { modules, violations } = check()

  it("reaches every public module from the package's exports", () => {
    expect(entries.map(shown)).toEqual(expect.arrayContaining(["dist/index.d.ts", "dist/compat/index.d.ts"]))
    // Every public module (src/*.ts) is reached, so each is checked.
    const publicModules = fs.readdirSync(path.join(root, "src")).filter((name) => name.endsWith(".ts"))
      .map((name) => `dist/${name.replace(/\.ts$/, ".d.ts")}`)
    expect(modules).toEqual(expect.arrayContaining(publicModules))
    expect(modules).toContain("dist/compat/queues.d.ts")
  })

  it("shows no `unsafe`, `Impl`, `@internal` or internal module's type", () => {
    const byModule = new Map<string, Array<Violation>>()
    for (const violation of violations) byModule.set(violation.module, [...(byModule.get(violation.module) ?? []), violation])
    const message = [...byModule.entries()].sort(([a], [b]) => a.localeCompare(b))
      .map(([module, found]) => `${module}:\n${found.map((v) => `  ${v.name}: ${v.problem}`).join("\n")}`)
      .join("\n")
    expect(violations.length, `what the package exports shows (${violations.length}):\n${message}\n`).toBe(0)
  })
})

/**
 * The Effect face imports beside `effect` in one file (issue 21): no name the
 * package's main entry exports (values, namespaces and types alike) is one of
 * `effect`'s, else `import { Queue } from "effect"` next to ours is TS2300.
 */
const exportedNames = (): { readonly ours: ReadonlyArray<string>; readonly effects: ReadonlyArray<string> } => {
  const ours = path.join(root, (pkg.exports["."] as { types: string }).types)
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: ["node"],
    skipLibCheck: true,
    noEmit: true
  }
  const effects = ts.resolveModuleName("effect", ours, options, ts.sys).resolvedModule?.resolvedFileName
  if (effects === undefined) throw new Error("`effect` does not resolve from the package's entry")
  const program = ts.createProgram([ours, effects], options)
  const checker = program.getTypeChecker()
  const names = (file: string): ReadonlyArray<string> => {
    const source = program.getSourceFile(file)
    const module = source === undefined ? undefined : checker.getSymbolAtLocation(source)
    if (module === undefined) throw new Error(`${shown(file)} has no exports: run \`npm run build\``)
    return checker.getExportsOfModule(module).map((symbol) => symbol.getName()).sort()
  }
  return { ours: names(ours), effects: names(effects) }
}

describe("the Effect face's names", () => {
  it("collide with none of effect's exports (the compat face keeps Python's names)", () => {
    const { effects, ours } = exportedNames()
    expect(ours).toEqual(expect.arrayContaining(["Process", "ProcessContext", "ProcessPool", "ProcessQueue"]))
    expect(effects).toEqual(expect.arrayContaining(["Context", "Effect", "Pool", "Queue"]))
    const clashes = ours.filter((name) => effects.includes(name))
    expect(clashes, `exported by both effect-multiprocessing and effect: ${clashes.join(", ")}`).toEqual([])
  })
})
