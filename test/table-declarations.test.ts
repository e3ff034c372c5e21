import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { ColumnKind, SomeTable } from '../src/db/table-declaration.js'
import { CORE_TABLES } from '../src/tables/core-database.js'

/**
 * Every core table's declaration (src/tables/) against the schema the migrations build,
 * as the committed snapshots record it (test/schema-snapshot.test.ts keeps those current):
 * the same tables, the same columns, the same nullability, and a kind each engine's column
 * type can hold. Reads the snapshot files only, so it needs no database.
 */

type Engine = 'sqlite' | 'postgres' | 'mysql'

interface LiveColumn {
  readonly name: string
  readonly type: string
  readonly nullable: boolean
}

/** The snapshots' prefix (the default `table_prefix`). */
const PREFIX = 'etl_'

function snapshotLines(engine: Engine): Array<Record<string, unknown>> {
  const text = readFileSync(resolve(import.meta.dirname, `snapshots/schema.${engine}.txt`), 'utf8')
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

/** The snapshot's tables and columns, by unprefixed table name. */
function liveTables(engine: Engine): Map<string, LiveColumn[]> {
  const tables = new Map<string, LiveColumn[]>()
  const add = (table: string, column: LiveColumn) => {
    const name = table.startsWith(PREFIX) ? table.slice(PREFIX.length) : table
    tables.set(name, [...(tables.get(name) ?? []), column])
  }
  for (const line of snapshotLines(engine)) {
    if (engine === 'sqlite') {
      if (line.type === 'table') for (const column of sqliteColumns(String(line.sql))) add(String(line.name), column)
    } else if (typeof line.column_name === 'string' && line.index_name === undefined) {
      const type = String(engine === 'postgres' ? line.data_type : line.column_type)
      add(String(line.table_name), { name: line.column_name, type, nullable: line.is_nullable === 'YES' })
    }
  }
  return tables
}

/** The columns of a SQLite `CREATE TABLE` statement (SQLite keeps only the statement). */
function sqliteColumns(createTable: string): LiveColumn[] {
  const body = createTable.slice(createTable.indexOf('(') + 1, createTable.lastIndexOf(')'))
  const parts: string[] = []
  let depth = 0
  let current = ''
  for (const char of body) {
    if (char === '(') depth++
    if (char === ')') depth--
    if (char === ',' && depth === 0) {
      parts.push(current.trim())
      current = ''
    } else current += char
  }
  parts.push(current.trim())
  const keyColumns = new Set(
    parts
      .map((part) => /primary key \(([^)]*)\)/i.exec(part)?.[1])
      .filter((list) => list !== undefined)
      .flatMap((list) => list.split(',').map((name) => name.trim().replace(/"/g, ''))),
  )
  return parts
    .filter((part) => part.startsWith('"'))
    .map((part) => {
      const [, name = '', rest = ''] = /^"([^"]+)"\s*(.*)$/.exec(part) ?? []
      const type = rest.split(/\s+/)[0] ?? ''
      // A primary key column is never NULL in the store, whether or not SQLite says so.
      const notNull = /not null|primary key/i.test(rest) || keyColumns.has(name)
      return { name, type, nullable: !notNull }
    })
}

/** The column types each declared kind may be stored in, per engine. */
const COMPATIBLE: Readonly<Record<Engine, Readonly<Record<ColumnKind, RegExp>>>> = {
  sqlite: {
    string: /^text$/,
    integer: /^integer$/,
    number: /^(real|integer)$/,
    boolean: /^integer$/,
    timestamp: /^text$/,
    json: /^text$/,
  },
  postgres: {
    string: /^(character varying|text)$/,
    integer: /^(integer|bigint)$/,
    number: /^(double precision|real|numeric|integer|bigint)$/,
    boolean: /^boolean$/,
    timestamp: /^timestamp with time zone$/,
    json: /^(jsonb|json|text)$/,
  },
  mysql: {
    string: /^(varchar\(\d+\)|text|mediumtext|longtext)$/,
    integer: /^(int|bigint)(\(\d+\))?$/,
    number: /^(double|float|decimal\(\d+,\d+\)|int(\(\d+\))?|bigint(\(\d+\))?)$/,
    boolean: /^tinyint\(1\)$/,
    timestamp: /^datetime\(3\)$/,
    json: /^(longtext|json)$/,
  },
}

/** What differs between the declarations and the snapshot: one line per difference. */
function mismatches(engine: Engine, declared: ReadonlyMap<string, SomeTable>): string[] {
  const live = liveTables(engine)
  const found: string[] = []
  for (const name of live.keys()) if (!declared.has(name)) found.push(`${name}: in the schema, not declared`)
  for (const [name, table] of declared) {
    const columns = live.get(name)
    if (columns === undefined) {
      found.push(`${name}: declared, not in the schema`)
      continue
    }
    const byName = new Map(columns.map((column) => [column.name, column]))
    for (const column of columns) if (!Object.hasOwn(table.columns, column.name)) found.push(`${name}.${column.name}: in the schema, not declared`)
    for (const [columnName, declaration] of Object.entries(table.columns)) {
      const column = byName.get(columnName)
      if (column === undefined) {
        found.push(`${name}.${columnName}: declared, not in the schema`)
        continue
      }
      if (column.nullable !== declaration.nullable) {
        found.push(
          `${name}.${columnName}: ${column.nullable ? 'nullable' : 'not null'} in the schema, declared ${declaration.nullable ? 'nullable' : 'not null'}`,
        )
      }
      if (!COMPATIBLE[engine][declaration.kind].test(column.type)) found.push(`${name}.${columnName}: a ${declaration.kind} cannot be stored as ${column.type}`)
    }
  }
  return found
}

/** The declarations with `column` left out of `table`'s. */
function without(table: string, column: string): Map<string, SomeTable> {
  const declarations = new Map(CORE_TABLES)
  const original = declarations.get(table)!
  const { [column]: _left, ...columns } = original.columns
  declarations.set(table, { ...original, columns, columnNames: original.columnNames.filter((name) => name !== column) })
  return declarations
}

describe.each(['sqlite', 'postgres', 'mysql'] as const)('core table declarations [%s]', (engine) => {
  it('declare every table and column of the schema snapshot, with its nullability and a compatible kind', () => {
    expect(liveTables(engine).size).toBeGreaterThan(20)
    expect(mismatches(engine, CORE_TABLES)).toEqual([])
  })

  it('report a column the migrations create and no declaration names', () => {
    expect(mismatches(engine, without('executions', 'lease_ms'))).toEqual(['executions.lease_ms: in the schema, not declared'])
  })

  it('report a declared column whose nullability or kind the schema contradicts', () => {
    const declarations = new Map(CORE_TABLES)
    const schedules = declarations.get('schedules')!
    declarations.set('schedules', {
      ...schedules,
      columns: { ...schedules.columns, paused: { kind: 'timestamp', nullable: false }, last_fired_at: { kind: 'timestamp', nullable: false } },
    })
    expect(mismatches(engine, declarations)).toEqual([
      expect.stringMatching(/^schedules\.paused: a timestamp cannot be stored as /),
      'schedules.last_fired_at: nullable in the schema, declared not null',
    ])
  })
})
