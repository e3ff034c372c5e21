import type { CompiledQuery, Expression, ExpressionBuilder, SqlBool } from 'kysely'
import { z } from 'zod'
import { ValidationError } from '../errors.js'
import type { Execution } from '../schema/execution-schemas.js'
import { parseOrThrow } from '../schema/zod-issues.js'
import type { StoreContext } from '../store.js'
import { EXECUTION_COLUMNS, executionFromRow, executionTables } from './execution-rows.js'

/**
 * `executions.list(query)`: the filter-rule language of DESIGN §4 over a fixed list of
 * columns (`job_name` is resolved through the jobs table), newest first, keyset cursor
 * on `(queued_at, id)`. Every filter column leads an index of the executions table.
 */

const FILTER_COLUMNS = {
  id: 'text',
  job_id: 'text',
  job_version: 'number',
  status: 'text',
  environment: 'text',
  trigger: 'text',
  worker_id: 'text',
  idempotency_key: 'text',
  queued_at: 'time',
  started_at: 'time',
  finished_at: 'time',
  job_name: 'text',
} as const
type FilterColumn = keyof typeof FILTER_COLUMNS

const leaf = z.strictObject({
  column: z.enum(Object.keys(FILTER_COLUMNS) as [FilterColumn, ...FilterColumn[]]),
  operator: z.enum(['==', '!=', '>', '<', '>=', '<=', 'contains', 'in', 'is_null']),
  value: z.unknown().optional(),
})
type Rule = z.infer<typeof leaf> | { logical_operator: 'AND' | 'OR' | 'NOT'; rules: Rule[] }
const rule: z.ZodType<Rule> = z.lazy(() =>
  z.union([leaf, z.strictObject({ logical_operator: z.enum(['AND', 'OR', 'NOT']), rules: z.array(rule).min(1) })]),
)

const listSchema = z.strictObject({
  where: rule.optional(),
  order_by: z
    .union([z.literal('queued_at'), z.literal('-queued_at'), z.strictObject({ column: z.literal('queued_at'), direction: z.enum(['asc', 'desc']) })])
    .optional(),
  limit: z.int().min(1).max(10_000).default(50),
  offset: z.int().min(0).optional(),
  cursor: z.string().max(200).optional(),
  total: z.boolean().optional(),
})
export type ExecutionListQuery = z.input<typeof listSchema>

export interface ExecutionPage {
  readonly items: Execution[]
  readonly total?: number
  readonly next_cursor: string | null
}

export async function listExecutions(context: StoreContext, query: ExecutionListQuery = {}): Promise<ExecutionPage> {
  const parsed = parseOrThrow(listSchema, query, 'query')
  const { executions } = executionTables(context)
  const rows = await pageQuery(context, parsed).execute()
  const items = rows.slice(0, parsed.limit).map((row) => executionFromRow(context.adapter, row))
  const last = items.at(-1)
  const next_cursor = rows.length > parsed.limit && last ? encodeCursor(last.queued_at, last.id) : null
  if (!parsed.total) return { items, next_cursor }
  const counted = await context.db
    .selectFrom(executions)
    .select((eb) => eb.fn.countAll().as('n'))
    .where(whereOf(context, parsed))
    .executeTakeFirst()
  return { items, total: Number(counted?.n ?? 0), next_cursor }
}

/** The page query `list(query)` runs, compiled (the EXPLAIN tests plan it). @internal */
export function compileExecutionList(context: StoreContext, query: ExecutionListQuery = {}): CompiledQuery {
  return pageQuery(context, parseOrThrow(listSchema, query, 'query')).compile()
}

type ParsedListQuery = z.output<typeof listSchema>

function whereOf(context: StoreContext, parsed: ParsedListQuery) {
  return (eb: ExpressionBuilder<any, any>) => (parsed.where ? compile(context, eb, parsed.where, 'query.where') : eb.lit(true))
}

function pageQuery(context: StoreContext, parsed: ParsedListQuery) {
  const { executions } = executionTables(context)
  const descending =
    parsed.order_by === undefined ||
    parsed.order_by === '-queued_at' ||
    (typeof parsed.order_by === 'object' && parsed.order_by.direction === 'desc')
  const direction = descending ? 'desc' : 'asc'
  let page = context.db.selectFrom(executions).select(EXECUTION_COLUMNS)
  if (parsed.where) page = page.where(whereOf(context, parsed))
  if (parsed.cursor !== undefined) {
    const [queuedAt, id] = decodeCursor(parsed.cursor)
    const at = context.adapter.encodeTimestamp(queuedAt)
    const beyond = descending ? '<' : '>'
    page = page.where((eb) => eb.or([eb('queued_at', beyond, at), eb.and([eb('queued_at', '=', at), eb('id', beyond, id)])]))
  }
  page = page.orderBy('queued_at', direction).orderBy('id', direction).limit(parsed.limit + 1)
  if (parsed.offset !== undefined && parsed.cursor === undefined) page = page.offset(parsed.offset)
  return page
}

function compile(context: StoreContext, eb: ExpressionBuilder<any, any>, node: Rule, path: string): Expression<SqlBool> {
  if ('logical_operator' in node) {
    const parts = node.rules.map((child, i) => compile(context, eb, child, `${path}.rules[${i}]`))
    if (node.logical_operator === 'NOT') return eb.not(eb.and(parts))
    return node.logical_operator === 'AND' ? eb.and(parts) : eb.or(parts)
  }
  const kind = FILTER_COLUMNS[node.column]
  const encode = (value: unknown, at: string) => encodeValue(context, kind, value, at)
  if (node.column === 'job_name') {
    const { jobs } = executionTables(context)
    const inner = compileLeaf(eb, 'name', node.operator, node.value, encode)
    return eb('job_id', 'in', context.db.selectFrom(jobs).select('id').where(() => inner))
  }
  return compileLeaf(eb, node.column, node.operator, node.value, encode)
}

function compileLeaf(
  eb: ExpressionBuilder<any, any>,
  column: string,
  operator: z.infer<typeof leaf>['operator'],
  value: unknown,
  encode: (value: unknown, at: string) => unknown,
): Expression<SqlBool> {
  switch (operator) {
    case 'is_null':
      return value === false ? eb(column, 'is not', null) : eb(column, 'is', null)
    case 'in': {
      if (!Array.isArray(value) || value.length === 0) throw invalid('value', 'Expected a non-empty array')
      return eb(column, 'in', value.map((item, i) => encode(item, `value[${i}]`)))
    }
    case 'contains': {
      if (typeof value !== 'string') throw invalid('value', 'Expected a string')
      // `%` and `_` in the value act as wildcards: SQLite has no default LIKE escape.
      return eb(column, 'like', `%${value}%`)
    }
    case '==':
      return eb(column, '=', encode(value, 'value'))
    case '!=':
      return eb(column, '<>', encode(value, 'value'))
    default:
      return eb(column, operator, encode(value, 'value'))
  }
}

function encodeValue(context: StoreContext, kind: string, value: unknown, at: string): unknown {
  if (kind === 'time') {
    const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined
    if (!date || Number.isNaN(date.getTime())) throw invalid(at, 'Expected a date or an ISO-8601 time')
    return context.adapter.encodeTimestamp(date)
  }
  if (kind === 'number') {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(at, 'Expected a number')
    return value
  }
  if (typeof value !== 'string') throw invalid(at, 'Expected a string')
  return value
}

function invalid(field: string, message: string): ValidationError {
  return new ValidationError([{ path: `query.where.${field}`, message }])
}

function encodeCursor(queuedAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([queuedAt.toISOString(), id])).toString('base64url')
}

function decodeCursor(cursor: string): [Date, string] {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string]
    const date = new Date(at)
    if (typeof id === 'string' && !Number.isNaN(date.getTime())) return [date, id]
  } catch {
    // reported below
  }
  throw new ValidationError([{ path: 'query.cursor', message: 'Not a cursor returned by list()' }])
}
