/**
 * The shared list/query language (DESIGN §4). Every repository's `list(query)` calls
 * `listQuery` with its entity's column list, so `where` / `order_by` / `limit` /
 * `offset` / `cursor` / `total` behave the same for jobs, executions, contexts, ...
 *
 * Usage in a repository:
 *
 * ```ts
 * import { listQuery, type QueryEntity, type ListResult } from '../query/index.js'
 *
 * const contextEntity: QueryEntity = {
 *   name: 'contexts',
 *   columns: {                       // public name → db column + value type
 *     id: { column: 'id', type: 'string' },
 *     name: { column: 'name', type: 'string' },
 *     environment: { column: 'environment', type: 'string', values: ['DEV', 'TEST', 'PROD'] },
 *     created_at: { column: 'created_at', type: 'timestamp' },
 *     finished_at: { column: 'finished_at', type: 'timestamp', nullable: true },
 *   },
 *   defaultOrder: [{ column: 'name' }],   // `id` is appended as the last tie-breaker (same direction as the last key)
 * }
 *
 * list(query: unknown = {}): Promise<ListResult<Context>> {
 *   const { db, adapter, table } = this.#context
 *   return listQuery(this.#context, contextEntity, query, {
 *     key: 'contexts',                                       // names what base builds
 *     base: () => db.selectFrom(table('contexts')).selectAll(), // FROM/SELECT/JOIN, extra fixed WHEREs
 *     decode: (row) => decodeContext(adapter, row),          // or decodeAll: (rows) => Promise<T[]>
 *   })
 * }
 * ```
 *
 * The query (validated here; `listQuerySchema` is the same shape as Zod for the CLI):
 * ```json
 * { "where": { "logical_operator": "AND", "rules": [
 *       { "column": "environment", "operator": "in", "value": ["DEV", "TEST"] },
 *       { "logical_operator": "NOT", "rules": [ { "column": "name", "operator": "contains", "value": "tmp" } ] },
 *       { "column": "finished_at", "operator": "is_null", "value": false } ] },
 *   "order_by": [ { "column": "created_at", "direction": "desc" } ],   // or "-created_at", or "name"
 *   "limit": 50, "cursor": "<next_cursor of the previous page>", "total": true }
 * ```
 * Returns `{ items, total?, next_cursor }`; `next_cursor` is `null` on the last page.
 *
 * Declare `unique: true` on a unique, non-null column (a name): ordering by it then needs
 * no id tie-breaker, so the engine can walk its unique index alone.
 *
 * Semantics: operators `==` `!=` `>` `<` `>=` `<=` `contains` (substring, case-insensitive
 * for ASCII) `in` (array) `is_null` (`value: true|false`, default true); `!=` and ranges
 * follow SQL (a NULL never matches them). NULLs sort last in both directions. Timestamps
 * are given as ISO 8601 strings or Dates. `offset` and `cursor` exclude each other; the
 * cursor is bound to the entity, the filter and the order it was made with. Errors are
 * `ValidationError`s with paths like `where.rules[1].column`, `order_by[0].column`, `cursor`.
 * Rows must carry the sort columns under their bare names (`selectAll()` does).
 */
import type { AliasedSelectQueryBuilder, Expression, ExpressionBuilder, SelectQueryBuilder, SqlBool } from 'kysely'
import { sql } from 'kysely'
import type { DialectAdapter } from '../db/dialect-adapter.js'
import { ValidationError } from '../errors.js'
import { parseHotOrThrow } from '../schema/zod-issues.js'
import { ShapedValues, runShaped, type StatementTarget } from '../db/speed/prepared-statement.js'
import { bindFilterValues, checkFilter, encodeValue, filterExpression, filterShapeKey, type CompiledFilter } from './filter-compiler.js'
import { decodeCursor, encodeCursor, queryShape, type CursorValue } from './keyset-cursor.js'
import { checkValue, idColumnName, resolveColumn, type AnyDatabase, type QueryColumn, type QueryEntity } from './query-entity.js'
import { DEFAULT_LIMIT, listOptionsSchema, streamOptionsSchema, type ListResult, type OrderBy, type SortDirection } from './query-schema.js'

type AnySelect = SelectQueryBuilder<AnyDatabase, string, Record<string, unknown>>

export interface ListSource<T> {
  /**
   * Names what `base` builds (its tables, columns, joins and fixed conditions). Pages with
   * the same key and query shape reuse one compiled statement, so two sources may share a
   * key only if they build the same SQL.
   */
  readonly key: string
  /**
   * `selectFrom(...).select...(...)` with any joins and fixed conditions; no order, limit or
   * offset. `slots[i]` stands for `values[i]`: use it where the value goes so it stays a
   * parameter. Called only when the statement is compiled.
   */
  readonly base: (slots: readonly unknown[]) => AnySelect
  /** The values `base` binds, if any. */
  readonly values?: readonly unknown[]
  /** Turns one row into an item. */
  readonly decode?: (row: Record<string, unknown>) => T
  /** Turns a page of rows into items at once (e.g. to load relations in one batch). */
  readonly decodeAll?: (rows: Record<string, unknown>[]) => T[] | Promise<T[]>
  /**
   * Offset pages in two steps within one statement (a deferred join): the page's keys are
   * found first, on an index alone where one covers the filter and order, and only the
   * page's rows are then read in full. The engines otherwise read every skipped row
   * (PostgreSQL and MySQL from the table, with their select list). `keys()` selects the
   * row's key as `page_key` from the same rows as `base` (listQuery adds the filter,
   * order, limit and offset); `rows(page, slots)` joins `page` to the rows with `base`'s
   * select list (listQuery adds the order).
   */
  readonly byKeys?: {
    readonly keys: () => AnySelect
    readonly rows: (page: AliasedSelectQueryBuilder<AnyDatabase, 'page'>, slots: readonly unknown[]) => AnySelect
  }
}

interface SortKey {
  readonly name: string
  readonly column: QueryColumn
  readonly direction: SortDirection
}

/**
 * Runs a list query (see the file comment). The page statement is compiled once per
 * query shape (source, filter structure, order, cursor, offset, total) and then only bound
 * to the query's values: building it with Kysely cost about as much as running it. With
 * `total: true` the page statement also counts the filter (see `TOTAL_COLUMN`): one
 * statement, two only when the page is empty.
 */
export async function listQuery<T>(
  context: Pick<StatementTarget, 'db' | 'adapter'>,
  entity: QueryEntity,
  query: unknown,
  source: ListSource<T>,
): Promise<ListResult<T>> {
  const { adapter } = context
  const parsed = parseHotOrThrow(listOptionsSchema, query ?? {})
  const rawQuery = (query ?? {}) as { where?: unknown }
  const checked = rawQuery.where === undefined ? undefined : checkFilter(entity, adapter, rawQuery.where)
  const order = resolveOrder(entity, parsed.order_by)
  const limit = parsed.limit ?? DEFAULT_LIMIT

  const values = new ShapedValues()
  const slots = (source.values ?? []).map((value) => values.bind(value))
  const filter = checked && bindFilterValues(checked, (value) => values.bind(value))
  const filtered = (base = source.base(slots)) => (filter ? base.where((eb) => filterExpression(eb, filter)) : base)
  const filterKey = `${entity.name}|${source.key}|${filter ? filterShapeKey(filter) : ''}`

  // Made only for a cursor given or a next page to sign, and once.
  let shapeText: string | undefined
  const shape = () => (shapeText ??= queryShape({ entity: entity.name, where: rawQuery.where ?? null, order: order.map((k) => [k.name, k.direction]) }))
  const keys =
    parsed.cursor === undefined
      ? undefined
      : decodeCursor(shape(), parsed.cursor, order.length).map((value, i) => {
          const key = cursorKey(adapter, order[i] as SortKey, value as CursorValue)
          return key === null ? null : values.bind(key)
        })
  const limitSlot = values.bind(limit + 1)
  const offsetSlot = parsed.offset === undefined ? undefined : values.bind(parsed.offset)
  // With `total: true` the page statement counts its filter too (see TOTAL_COLUMN).
  const totalInPage = parsed.total === true
  const pageKey = `${filterKey}|${order.map((k) => `${k.name} ${k.direction}`).join(',')}|${keys ? keys.map((k) => (k === null ? 'n' : 'v')).join('') : '-'}|${offsetSlot === undefined ? '' : 'o'}${totalInPage ? '|t' : ''}`
  const counted = () =>
    filtered()
      .clearSelect()
      .select((eb) => eb.fn.countAll().as('total'))
  const { rows } = await runShaped(context, pageKey, values, () => {
    const paged = <Q extends AnySelect>(query: Q) => {
      const limited = orderByKeys(query, order).limit(limitSlot as number)
      return offsetSlot === undefined ? limited : limited.offset(offsetSlot as number)
    }
    const withTotal = (query: AnySelect): AnySelect => (totalInPage ? query.select(counted().as(TOTAL_COLUMN)) : query)
    if (offsetSlot !== undefined && source.byKeys) {
      return orderByKeys(withTotal(source.byKeys.rows(paged(filtered(source.byKeys.keys())).as('page'), slots)), order)
    }
    const page = withTotal(filtered())
    return paged(keys ? page.where((eb) => afterKeys(eb, order, keys)) : page)
  })
  const more = rows.length > limit
  const pageRows = more ? rows.slice(0, limit) : rows
  const last = pageRows[pageRows.length - 1]
  const next_cursor =
    more && last
      ? encodeCursor(
          shape(),
          order.map((key) => rowKey(adapter, key, last)),
        )
      : null
  const items = source.decodeAll ? await source.decodeAll(pageRows) : pageRows.map((row) => (source.decode as (r: Record<string, unknown>) => T)(row))

  if (!parsed.total) return { items, next_cursor }
  // An empty page has no row to carry the total (an offset past the end, a cursor at the
  // end, no match): only then is the count a statement of its own.
  if (totalInPage && rows[0]) return { items, total: Number(rows[0][TOTAL_COLUMN]), next_cursor }
  const total = await runShaped(context, `${filterKey}|total`, values, counted)
  return { items, total: Number((total.rows[0] as { total: unknown } | undefined)?.total ?? 0), next_cursor }
}

/**
 * The column that carries the total on every row of a page with `total: true`: an
 * uncorrelated scalar subquery, `(select count(*) from … where <filter>)`, which every
 * engine evaluates once per statement (PostgreSQL: an InitPlan; MariaDB: a SUBQUERY;
 * SQLite: once), by its own plan (an index-only count where one serves), whatever the
 * page's size, offset or cursor, so it needs no bound on the page. It counts the filter
 * without the cursor's condition, so a cursor page gets the whole filter's total.
 *
 * Not `count(*) over ()`: the window makes the engine read every matching row in full
 * and keep it before the LIMIT can apply, and with a cursor it counts only the rows after
 * it. Measured 2026-12-04 on the raw drivers, 100,000 rows, page of 50, newest first,
 * 100,000, 75,000 and 5,000 matching rows, medians of alternating runs: the window form
 * against the page plus a count statement, PostgreSQL 43 / 47 / 4.7 ms against 6.9 /
 * 10.8 / 1.5 (1.8–6× in all runs), MariaDB 316 / 547 / 65 against 15 / 30 / 6.4, SQLite
 * 140 / 123 / 14 against 1.2 / 3.9 / 0.44. Through `executions.list` (100,000
 * executions; all, status, job+status, its cursor page, offset 1,000), this one statement
 * against the page and a count statement: PostgreSQL 0.77–0.92×, MariaDB 0.89–0.98×,
 * SQLite 0.88–0.96× (two statements through the store cost more than one even in
 * process).
 *
 * Not a plain identifier, so no model's field can take the name; the decoders read their
 * own columns and never see it.
 */
const TOTAL_COLUMN = '#total'

/** A stream query (`where`, `order_by`, `limit`; no pages), checked: see `streamWindow`. */
export interface StreamPlan {
  readonly filter: CompiledFilter | undefined
  readonly order: readonly SortKey[]
  /** At most this many rows in all; `undefined` for all of them. */
  readonly limit: number | undefined
}

/** Checks a stream query against the entity as `listQuery` checks a list query. */
export function planStream(entity: QueryEntity, adapter: DialectAdapter, query: unknown): StreamPlan {
  const parsed = parseHotOrThrow(streamOptionsSchema, query ?? {})
  const filter = parsed.where === undefined ? undefined : checkFilter(entity, adapter, parsed.where)
  return { filter, order: resolveOrder(entity, parsed.order_by), limit: parsed.limit }
}

/**
 * The next `size` rows of a stream, in its order: those after `last` (the last row of the
 * previous window, which carries the sort columns). A long read cut into windows seeks
 * into the index where the previous window ended, as a `listQuery` cursor does, so every
 * window is planned like a list page.
 */
export function streamWindow<Q extends AnySelect>(
  adapter: DialectAdapter,
  plan: StreamPlan,
  base: Q,
  last: Record<string, unknown> | undefined,
  size: number,
): Q {
  const { filter, order } = plan
  let window = filter ? (base.where((eb) => filterExpression(eb, filter)) as Q) : base
  if (last) {
    const keys = order.map((key) => cursorKey(adapter, key, rowKey(adapter, key, last)))
    window = window.where((eb) => afterKeys(eb, order, keys)) as Q
  }
  return orderByKeys(window, order).limit(size) as Q
}

/** Orders by `keys` with NULLs last in both directions, the order cursors assume. */
function orderByKeys<Q extends AnySelect>(query: Q, keys: readonly SortKey[]): Q {
  let ordered = query
  for (const key of keys) {
    const ref = sql.ref(key.column.column)
    if (key.column.nullable) ordered = ordered.orderBy(sql`case when ${ref} is null then 1 else 0 end`, 'asc') as Q
    ordered = ordered.orderBy(ref, key.direction) as Q
  }
  return ordered
}

/** Parses the non-`where` part of a query and checks `where` against the entity (for callers that build their own SQL). */
export function checkListQuery(entity: QueryEntity, adapter: DialectAdapter, query: unknown): { filter?: CompiledFilter; order: SortKey[] } {
  const parsed = parseHotOrThrow(listOptionsSchema, query ?? {})
  const where = (query as { where?: unknown } | undefined)?.where
  return { ...(where === undefined ? {} : { filter: checkFilter(entity, adapter, where) }), order: resolveOrder(entity, parsed.order_by) }
}

function resolveOrder(entity: QueryEntity, orderBy: OrderBy | undefined): SortKey[] {
  const entries: Array<{ column: string; direction?: SortDirection }> = []
  const given =
    orderBy === undefined ? (entity.defaultOrder ?? []) : Array.isArray(orderBy) ? orderBy : [orderBy as string | { column: string; direction?: SortDirection }]
  for (const entry of given as Array<string | { column: string; direction?: SortDirection }>) {
    if (typeof entry === 'string') {
      entries.push(entry.startsWith('-') ? { column: entry.slice(1), direction: 'desc' } : { column: entry, direction: 'asc' })
    } else entries.push(entry)
  }
  const isList = Array.isArray(orderBy)
  const idName = idColumnName(entity)
  const keys: SortKey[] = []
  entries.forEach((entry, i) => {
    const path =
      orderBy === undefined
        ? 'order_by'
        : isList
          ? `order_by[${i}]${typeof (orderBy as unknown[])[i] === 'string' ? '' : '.column'}`
          : typeof orderBy === 'string'
            ? 'order_by'
            : 'order_by.column'
    const column = resolveColumn(entity, entry.column, path)
    if (keys.some((key) => key.name === entry.column)) throw new ValidationError([{ path, message: `Column ${entry.column} is ordered by twice` }])
    keys.push({ name: entry.column, column, direction: entry.direction ?? 'asc' })
  })
  // Keys after a unique one (the id, or a column declared unique) can never decide an order.
  const decisive = keys.findIndex((key) => key.name === idName || (key.column.unique === true && !key.column.nullable))
  if (decisive >= 0) return keys.slice(0, decisive + 1)
  // The tie-breaker follows the last key's direction, so `(updated_at, id)` indexes serve both directions.
  keys.push({ name: idName, column: resolveColumn(entity, idName, 'order_by'), direction: keys[keys.length - 1]?.direction ?? 'asc' })
  return keys
}

function rowKey(adapter: DialectAdapter, key: SortKey, row: Record<string, unknown>): CursorValue {
  const name = key.column.column.slice(key.column.column.lastIndexOf('.') + 1)
  const value = row[name]
  if (value === null || value === undefined) return null
  switch (key.column.type) {
    case 'timestamp':
      return adapter.decodeTimestamp(value).toISOString()
    case 'boolean':
      return adapter.decodeBoolean(value)
    case 'integer':
    case 'number':
      return Number(value)
    case 'string':
      return String(value)
  }
}

function cursorKey(adapter: DialectAdapter, key: SortKey, value: CursorValue): unknown {
  if (value === null) {
    if (!key.column.nullable) throw new ValidationError([{ path: 'cursor', message: 'The cursor is not valid for this query' }])
    return null
  }
  // A column with a closed set of values may still hold an old value: check the type only.
  return encodeValue(adapter, checkValue({ ...key.column, values: undefined }, value, 'cursor'))
}

/**
 * Rows strictly after the cursor row in the order `keys` (NULLs last in both
 * directions): OR over i of (keys before i equal AND key i after), on every engine.
 * A row-value comparison, `(a, b) < (?, ?)`, is not used: MariaDB read it as an equality
 * lookup on the leading columns and walked them all (a deep page of 1,000,000
 * executions: 72 ms against 0.34), and on PostgreSQL it gained nothing measurable over
 * this form with its range bound (2026-12-03, 1,000,000 executions, job+status and
 * status filters, pages 2 and 1,000 by cursor: 2.3–2.6 ms without it against 2.7–2.8
 * with, within the noise of a loaded machine), so it was dropped as a second code path.
 */
function afterKeys(eb: ExpressionBuilder<AnyDatabase, string>, keys: readonly SortKey[], values: readonly unknown[]): Expression<SqlBool> {
  const branches: Expression<SqlBool>[] = []
  const equal: Expression<SqlBool>[] = []
  keys.forEach((key, i) => {
    const ref = eb.ref(key.column.column)
    const value = values[i]
    if (value === null) {
      // After a NULL comes nothing of this key (NULLs are last); equal means IS NULL.
      equal.push(eb(ref, 'is', null))
      return
    }
    const beyond = eb(ref, key.direction === 'asc' ? '>' : '<', value)
    const after = key.column.nullable ? eb.or([beyond, eb(ref, 'is', null)]) : beyond
    branches.push(equal.length === 0 ? after : eb.and([...equal, after]))
    equal.push(eb(ref, '=', value))
  })
  if (branches.length === 0) return sql<SqlBool>`1 = 0`
  // A redundant range bound on the first key lets the engine seek into its index at the
  // cursor instead of filtering the OR from the start of the index (deep pages cost what
  // the first page costs).
  const first = keys[0]
  const value = values[0]
  if (!first || first.column.nullable || value === null) return eb.or(branches)
  return eb.and([eb(eb.ref(first.column.column), first.direction === 'asc' ? '>=' : '<=', value), eb.or(branches)])
}
