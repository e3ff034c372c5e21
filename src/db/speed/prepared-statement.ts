import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely'
import type { DialectAdapter } from '../dialect-adapter.js'

/** What a prepared statement runs on: the store's executor (or its transaction) and adapter. */
export interface StatementTarget {
  readonly db: Kysely<any>
  readonly adapter: DialectAdapter
  readonly table: (name: string) => string
}

/** Marks where a named (or numbered) value goes when the statement is compiled once. */
class Slot {
  constructor(readonly name: string | number) {}
}

/**
 * SQL texts worth preparing on the server: the drivers of PostgreSQL (a named statement)
 * and MySQL (`execute`) parse and plan them once per connection instead of every time.
 * Only texts from `prepare` and the first insert and list-page shapes are named, so a
 * connection holds a bounded number of server-side statements.
 */
const serverPrepared = new Map<string, string>()

/** The name a driver prepares `text` under, or `undefined` to run it unprepared. @internal */
export function serverStatementName(text: string): string | undefined {
  return serverPrepared.get(text)
}

function prepareOnServer(text: string): void {
  if (!serverPrepared.has(text)) serverPrepared.set(text, `etlp_${serverPrepared.size + 1}`)
}

/** `prepareOnServer` for texts of unbounded variety: the first `max` new texts per process only. */
function prepareFirstOnServer(max: number): (text: string) => void {
  let prepared = 0
  return (text) => {
    if (prepared >= max || serverPrepared.has(text)) return
    prepared++
    prepareOnServer(text)
  }
}
/** Multi-row insert shapes and list-page shapes named on the server, 64 of each per process. */
const prepareInsertOnServer = prepareFirstOnServer(64)
const prepareShapeOnServer = prepareFirstOnServer(64)

interface Template {
  readonly sql: string
  /** Per parameter: the name (or index) of the value to bind, or a constant compiled into the template. */
  readonly slots: ReadonlyArray<string | number | { readonly constant: unknown }>
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
 *   t.db.selectFrom(t.table('execution_attempts')).select('status').where('id', '=', value('id')))
 * const row = await attemptStatus.first(context, { id })
 * @internal
 */
export function prepare<Name extends string>(build: (target: StatementTarget, value: (name: Name) => unknown) => Compilable) {
  // Table names (prefix) and placeholders depend on the store: one template per adapter.
  const templates = new WeakMap<DialectAdapter, Template>()
  const template = (target: StatementTarget): Template => {
    let found = templates.get(target.adapter)
    if (!found) {
      found = compileTemplate(build(target, (name) => new Slot(name)))
      templates.set(target.adapter, found)
      prepareOnServer(found.sql)
    }
    return found
  }
  const run = (target: StatementTarget, values: Readonly<Record<Name, unknown>>): Promise<QueryResult<Record<string, unknown>>> => {
    const found = template(target)
    return target.db.executeQuery(CompiledQuery.raw(found.sql, bind(found, values)))
  }
  return {
    run,
    /** The rows it returned. */
    rows: async (target: StatementTarget, values: Readonly<Record<Name, unknown>>) => (await run(target, values)).rows,
    /** Its first row, if any. */
    first: async (target: StatementTarget, values: Readonly<Record<Name, unknown>>) => (await run(target, values)).rows[0],
    /** How many rows it changed. */
    affected: async (target: StatementTarget, values: Readonly<Record<Name, unknown>>) =>
      Number((await run(target, values)).numAffectedRows ?? 0n),
  }
}

/**
 * `INSERT INTO <table> (columns) VALUES (…)` of one row, each column bound from the value
 * of the same name. `table` is the core table's unprefixed name.
 * @internal
 */
export function prepareInsert<Column extends string>(table: string, columns: readonly Column[]) {
  return prepare<Column>((t, value) => t.db.insertInto(t.table(table)).values(Object.fromEntries(columns.map((column) => [column, value(column)]))))
}

/**
 * A family of prepared statements whose shape varies with a few known options (which
 * columns an update sets): one template per shape, keyed by `keyOf`.
 * @internal
 */
export function prepareEach<Shape>(
  keyOf: (shape: Shape) => string,
  build: (target: StatementTarget, value: (name: string) => unknown, shape: Shape) => Compilable,
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

/** Shaped statements kept per store, the most recently used. */
const MAX_SHAPED_TEMPLATES = 256
const shapedTemplates = new WeakMap<DialectAdapter, Map<string, Template>>()

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
  let templates = shapedTemplates.get(target.adapter)
  if (!templates) shapedTemplates.set(target.adapter, (templates = new Map()))
  let template = templates.get(key)
  if (template) {
    // Map order is insertion order: moving a hit to the end keeps the eviction LRU.
    templates.delete(key)
  } else {
    template = compileTemplate(build())
    if (templates.size >= MAX_SHAPED_TEMPLATES) templates.delete(templates.keys().next().value as string)
    prepareShapeOnServer(template.sql)
  }
  templates.set(key, template)
  return target.db.executeQuery(CompiledQuery.raw(template.sql, bind(template, values.values)))
}

/** Keeps one statement (and MySQL's packet) a sensible size even when parameters would allow more. */
const MAX_ROWS_PER_STATEMENT = 5_000
/** Multi-row insert texts kept per store (full chunks and recent remainders). */
const MAX_INSERT_TEXTS = 64

const insertTexts = new WeakMap<DialectAdapter, Map<string, string>>()

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
  let texts = insertTexts.get(target.adapter)
  if (!texts) insertTexts.set(target.adapter, (texts = new Map()))
  const key = `${table}(${columns.join(',')})×${rowCount}`
  let text = texts.get(key)
  if (text === undefined) {
    // Kysely quotes the names and writes one row's placeholders; the other rows repeat it.
    const one = target.db
      .insertInto(table)
      .values(Object.fromEntries(columns.map((column) => [column, null])))
      .compile().sql
    const at = one.lastIndexOf(' values (')
    const head = one.slice(0, at + ' values '.length)
    text = head + Array.from({ length: rowCount }, (_, row) => placeholders(one.slice(at + ' values '.length), row * columns.length)).join(', ')
    if (texts.size >= MAX_INSERT_TEXTS) texts.delete(texts.keys().next().value as string)
    texts.set(key, text)
    prepareInsertOnServer(text)
  }
  return text
}

/** One row's `(?, ?)`, or PostgreSQL's numbered `($4, $5)` shifted by `offset`. */
function placeholders(row: string, offset: number): string {
  return row.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`)
}
