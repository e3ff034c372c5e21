import type { SelectQueryBuilder } from 'kysely'
import { z } from 'zod'
import { parseOrThrow } from '../schema/zod-issues.js'
import { ValidationError } from '../errors.js'

/**
 * Listing for credentials, contexts and schedules: `order_by`, `limit`, `offset`, and
 * `where` leaves `{column, operator: '==', value}` joined by AND. Columns are checked
 * against the entity's own list. The shared query language (src/query/) replaces this.
 */
export interface ListQuery {
  readonly where?: unknown
  readonly order_by?: string | ReadonlyArray<{ column: string; direction?: 'asc' | 'desc' }>
  readonly limit?: number
  readonly offset?: number
}

export interface ListResult<T> {
  readonly items: T[]
  readonly total?: number
  readonly next_cursor: string | null
}

const leafSchema = z.strictObject({ column: z.string(), operator: z.literal('=='), value: z.union([z.string(), z.number(), z.boolean()]) })
const querySchema = z.strictObject({
  where: z.union([leafSchema, z.strictObject({ logical_operator: z.literal('AND'), rules: z.array(leafSchema) })]).optional(),
  order_by: z
    .union([z.string(), z.array(z.strictObject({ column: z.string(), direction: z.enum(['asc', 'desc']).optional() }))])
    .optional(),
  limit: z.int().min(1).max(1000).default(100),
  offset: z.int().min(0).default(0),
})

export async function listPage<T>(
  select: SelectQueryBuilder<any, any, any>,
  columns: Readonly<Record<string, string>>,
  query: ListQuery,
  decode: (row: Record<string, unknown>) => T,
): Promise<ListResult<T>> {
  const parsed = parseOrThrow(querySchema, query)
  const column = (name: string, path: string): string => {
    const found = Object.hasOwn(columns, name) ? columns[name] : undefined
    if (found === undefined) throw new ValidationError([{ path, message: `Unknown column ${name}: use one of ${Object.keys(columns).join(', ')}` }])
    return found
  }
  let builder = select
  const leaves = parsed.where === undefined ? [] : 'rules' in parsed.where ? parsed.where.rules : [parsed.where]
  leaves.forEach((leaf, i) => {
    builder = builder.where(column(leaf.column, `where.rules[${i}].column`), '=', leaf.value)
  })
  const order = typeof parsed.order_by === 'string' ? [{ column: parsed.order_by }] : (parsed.order_by ?? [{ column: 'name' }])
  order.forEach((entry, i) => {
    builder = builder.orderBy(column(entry.column, `order_by[${i}].column`), entry.direction ?? 'asc')
  })
  const rows = await builder.orderBy(column('id', 'order_by')).limit(parsed.limit + 1).offset(parsed.offset).execute()
  const more = rows.length > parsed.limit
  return { items: rows.slice(0, parsed.limit).map((row) => decode(row as Record<string, unknown>)), next_cursor: more ? String(parsed.offset + parsed.limit) : null }
}
