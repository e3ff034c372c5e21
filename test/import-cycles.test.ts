import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'
import { expect, it } from 'vitest'

const SRC = resolve(import.meta.dirname, '../src')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : []
  })
}

/** True when an import or export brings in only types: it is erased and loads nothing. */
function typeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) {
    if (node.isTypeOnly) return true
    return (
      node.exportClause !== undefined &&
      ts.isNamedExports(node.exportClause) &&
      node.exportClause.elements.length > 0 &&
      node.exportClause.elements.every((element) => element.isTypeOnly)
    )
  }
  const clause = node.importClause
  if (!clause) return false // `import './x.js'` runs the module
  if (clause.isTypeOnly) return true
  if (clause.name) return false
  const bindings = clause.namedBindings
  return bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((element) => element.isTypeOnly)
}

/** The modules of src/ each module loads when it runs (relative imports that are not type-only). */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022)
  const imports: string[] = []
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) && !ts.isExportDeclaration(statement)) continue
    const specifier = statement.moduleSpecifier
    if (!specifier || !ts.isStringLiteral(specifier) || !specifier.text.startsWith('.') || typeOnly(statement)) continue
    imports.push(resolve(dirname(file), specifier.text.replace(/\.js$/, '.ts')))
  }
  return imports
}

/** Every cycle's modules (strongly connected components of more than one module, or a self-import). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const order = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const found: string[][] = []
  const visit = (module: string) => {
    order.set(module, order.size)
    low.set(module, order.get(module)!)
    stack.push(module)
    for (const next of graph.get(module) ?? []) {
      if (!graph.has(next)) continue
      if (!order.has(next)) {
        visit(next)
        low.set(module, Math.min(low.get(module)!, low.get(next)!))
      } else if (stack.includes(next)) {
        low.set(module, Math.min(low.get(module)!, order.get(next)!))
      }
    }
    if (low.get(module) !== order.get(module)) return
    const component = stack.splice(stack.indexOf(module))
    if (component.length > 1 || graph.get(module)?.includes(module)) found.push(component.map((path) => relative(SRC, path)).sort())
  }
  for (const module of graph.keys()) if (!order.has(module)) visit(module)
  return found
}

it('src/ has no import cycle among the modules it loads at run time', () => {
  const graph = new Map(sourceFiles(SRC).map((file) => [file, runtimeImports(file)]))
  expect(graph.size).toBeGreaterThan(50)
  expect(cycles(graph)).toEqual([])
})

it('finds a cycle when there is one', () => {
  const a = join(SRC, 'a.ts')
  const b = join(SRC, 'b.ts')
  const c = join(SRC, 'c.ts')
  expect(
    cycles(
      new Map([
        [a, [b]],
        [b, [c]],
        [c, [a]],
      ]),
    ),
  ).toEqual([['a.ts', 'b.ts', 'c.ts']])
  expect(
    cycles(
      new Map([
        [a, [b]],
        [b, []],
      ]),
    ),
  ).toEqual([])
})
