import { CompiledQuery, sql, type Compilable, type Kysely, type QueryResult } from 'kysely'
import type { CoreDatabase } from '../../tables/core-database.js'
import type { DialectAdapter } from '../dialect-adapter.js'
import type { Template } from './compiled-statements.js'

/** What a prepared statement runs on: the store's executor (or its transaction) and adapter. */
export interface StatementTarget {
  readonly db: Kysely<CoreDatabase>
  readonly adapter: DialectAdapter
  readonly table: (name: string) => string
}

/** Marks where a named (or numbered) value goes when the statement is compiled once. */
class Slot {
  constructor(readonly name: string | number) {}
}

function compileTemplate(query: Compilable): Template {
  const compiled = query.compile()
  return { sql: compiled.sql, slots: compiled.parameters.map((p) => (p instanceof Slot ? p.name : { constant: p })) }
}

function bind(template: Template, values: Readonly<Record<string, unknown>> | readonly unknown[]): unknown[] {
  return template.slots.map((slot) => (typeof slot === 'object' ? slot.constant : ((values as Record<string | number, unknown>)[slot] ?? null)))
}

/**
 * A statement on the hot path, compiled once per store and then only bound to new values.
 * Kysely builds and compiles a query tree on every call, which costs about as much as
 * running a small statement on SQLite; the execution lifecycle and the graph writes run
 * thousands of times a second, so their statements are built once. They still go through
 * the executor Kysely hands out: the transaction, onQuery and error mapping are the same,
 * and every value still travels as a parameter.
 *
 * @example
 * const attemptStatus = prepare<'id'>((t, value) =>
 *   t.db.selectFrom('execution_attempts').select('status').where('id', '=', value('id')))
 * const row = await attemptStatus.first(context, { id })
 * @internal
 */
export function prepare<Name extends string>(build: (target: StatementTarget, value: (name: Name) => never) => Compilable) {
  // Table names (prefix) and placeholders depend on the store: the template is the adapter's.
  const definition = {}
  const run = (target: StatementTarget, values: Readonly<Record<Name, unknown>>): Promise<QueryResult<Record<string, unknown>>> => {
    const { statements } = target.adapter
    const found = statements.prepared(definition) ?? statements.keepPrepared(definition, compileTemplate(build(target, (name) => new Slot(name) as never)))
    return target.db.executeQuery(CompiledQuery.raw(found.sql, bind(found, values)))
  }
  return {
    run,
    /** The rows it returned. */
    rows: async (target: StatementTarget, values: Readonly<Record<Name, unknown>>) => (await run(target, values)).rows,
    /** Its first row, if any. */
    first: async (target: StatementTarget, values: Readonly<Record<Name, unknown>>) => (await run(target, values)).rows[0],
    /** How many rows it changed. */
    affected: async (target: StatementTarget, values: Readonly<Record<Name, unknown>>) => Number((await run(target, values)).numAffectedRows ?? 0n),
  }
}

/**
 * `INSERT INTO <table> (columns) VALUES (…)` of one row, each column bound from the value
 * of the same name. `table` is the core table's unprefixed name.
 * @internal
 */
export function prepareInsert<Column extends string>(table: string, columns: readonly Column[]) {
  return prepare<Column>((t, value) => {
    const query = insertSql(t.table(table), columns, (column) => value(column))
    return { compile: () => query.compile(t.db) }
  })
}

/** `insert into "table" ("a", "b") values (?, ?)` as Kysely writes it, for a table named at run time. */
function insertSql<Column extends string>(table: string, columns: readonly Column[], value: (column: Column) => unknown) {
  const names = sql.join(columns.map((column) => sql.ref(column)))
  return sql`insert into ${sql.table(table)} (${names}) values (${sql.join(columns.map(value))})`
}

/**
 * A family of prepared statements whose shape varies with a few known options (which
 * columns an update sets): one template per shape, keyed by `keyOf`.
 * @internal
 */
export function prepareEach<Shape>(
  keyOf: (shape: Shape) => string,
  build: (target: StatementTarget, value: (name: string) => never, shape: Shape) => Compilable,
) {
  const statements = new Map<string, ReturnType<typeof prepare<string>>>()
  return (shape: Shape) => {
    const key = keyOf(shape)
    let statement = statements.get(key)
    if (!statement) {
      statement = prepare<string>((target, value) => build(target, value, shape))
      statements.set(key, statement)
    }
    return statement
  }
}

/**
 * The values of a statement whose shape comes from the caller's input (a list page: its
 * filter, order and cursor). `bind(value)` records a value and returns the placeholder
 * to build the query with, so the values and the compiled placeholders come from one
 * walk. See `runShaped`.
 * @internal
 */
export class ShapedValues {
  readonly values: unknown[] = []
  bind(value: unknown): unknown {
    this.values.push(value)
    return new Slot(this.values.length - 1)
  }
}

/**
 * Runs a statement whose shape is named by `key`: `build` (made from placeholders that
 * `values.bind` returned) is compiled the first time a store meets the key, and later
 * calls with the same key only bind `values`. The key must name everything that changes
 * the SQL text apart from the bound values. Building and compiling a list page cost more
 * than running it on SQLite; the first 64 shapes also become PostgreSQL named statements.
 * @internal
 */
export function runShaped(
  target: Pick<StatementTarget, 'db' | 'adapter'>,
  key: string,
  values: ShapedValues,
  build: () => Compilable,
): Promise<QueryResult<Record<string, unknown>>> {
  const template = target.adapter.statements.shaped(key, build, compileTemplate)
  return target.db.executeQuery(CompiledQuery.raw(template.sql, bind(template, values.values)))
}

/** Keeps one statement (and MySQL's packet) a sensible size even when parameters would allow more. */
const MAX_ROWS_PER_STATEMENT = 5_000

/**
 * Inserts rows given as arrays of values in `columns` order, in as few multi-row
 * statements as the engine's parameter limit allows, each text built once per shape.
 * Call it inside a transaction: a half-written batch must roll back.
 * @returns the number of rows written
 * @internal
 */
export function insertRows(
  target: StatementTarget,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  maxRowsPerStatement = MAX_ROWS_PER_STATEMENT,
): Promise<number> {
  return insertEach(target, table, columns, rows, copyRow, maxRowsPerStatement)
}

function copyRow(row: readonly unknown[], parameters: unknown[], at: number): void {
  for (let c = 0; c < row.length; c++) parameters[at + c] = row[c]
}

/**
 * `insertRows` for items that `write` turns into parameters (`columns.length` of them
 * from `parameters[at]` on), with no array per row in between: 100,000 component runs
 * made 100,000 short-lived arrays that the collector then had to copy.
 * @internal
 */
export async function insertEach<T>(
  target: StatementTarget,
  table: string,
  columns: readonly string[],
  items: readonly T[],
  write: (item: T, parameters: unknown[], at: number) => void,
  maxRowsPerStatement = MAX_ROWS_PER_STATEMENT,
): Promise<number> {
  const size = Math.max(1, Math.min(maxRowsPerStatement, Math.floor(target.adapter.maxParameters / columns.length)))
  for (let start = 0; start < items.length; start += size) {
    const count = Math.min(size, items.length - start)
    const parameters: unknown[] = new Array(count * columns.length)
    for (let i = 0; i < count; i++) write(items[start + i] as T, parameters, i * columns.length)
    await target.db.executeQuery(CompiledQuery.raw(insertText(target, table, columns, count), parameters))
  }
  return items.length
}

function insertText(target: StatementTarget, table: string, columns: readonly string[], rowCount: number): string {
  return target.adapter.statements.insertText(`${table}(${columns.join(',')})×${rowCount}`, () => {
    // Kysely quotes the names and writes one row's placeholders; the other rows repeat it.
    const one = insertSql(table, columns, () => null).compile(target.db).sql
    const at = one.lastIndexOf(' values (')
    const head = one.slice(0, at + ' values '.length)
    return head + Array.from({ length: rowCount }, (_, row) => placeholders(one.slice(at + ' values '.length), row * columns.length)).join(', ')
  })
}

/** One row's `(?, ?)`, or PostgreSQL's numbered `($4, $5)` shifted by `offset`. */
function placeholders(row: string, offset: number): string {
  return row.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`)
}
