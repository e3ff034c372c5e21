import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'
import { expect, it } from 'vitest'

const SRC = resolve(import.meta.dirname, '../src')
const CLI = join(SRC, 'cli')
const PUBLIC_API = join(SRC, 'index.ts')

/** Every module a file names: static imports and re-exports (type-only ones too) and `import()` calls. */
function specifiers(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true)
  const found: string[] = []
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text)
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments
      found.push(argument !== undefined && ts.isStringLiteralLike(argument) ? argument.text : '<computed>')
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal.text)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

/** The modules under src/ outside the CLI that `file` reaches other than through src/index.ts. */
function internalImports(file: string, text: string): string[] {
  return specifiers(file, text)
    .filter((specifier) => specifier.startsWith('.') || specifier === '<computed>')
    .filter((specifier) => {
      if (specifier === '<computed>') return true
      const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'))
      return target !== PUBLIC_API && !target.startsWith(`${CLI}/`)
    })
}

it('the CLI uses only what src/index.ts exports, and its own modules', () => {
  const files = readdirSync(CLI)
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(CLI, name))
  expect(files.length).toBeGreaterThan(10)
  const offending = files.flatMap((file) => internalImports(file, readFileSync(file, 'utf8')).map((specifier) => `${relative(SRC, file)} → ${specifier}`))
  expect(offending).toEqual([])
})

it('names a CLI module that reaches into the internals', () => {
  const file = join(CLI, 'example.ts')
  const text = [
    "import type { Store } from '../index.js'",
    "import { output } from './output.js'",
    "import { Keyring } from '../security/keyring.js'",
    "export type { Migrator } from '../migrations/migrator.js'",
    "const adapter = await import('../db/connect.js')",
    "type Config = import('../config/store-config.js').ResolvedConfig",
  ].join('\n')
  expect(internalImports(file, text)).toEqual(['../security/keyring.js', '../migrations/migrator.js', '../db/connect.js', '../config/store-config.js'])
})
