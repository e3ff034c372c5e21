import { z } from 'zod'

/** Comparison operators of the origin's filter-rule language. */
export const FILTER_OPERATORS = ['==', '!=', '>', '<', '>=', '<=', 'contains', 'in', 'is_null'] as const
export type FilterOperator = (typeof FILTER_OPERATORS)[number]

export const LOGICAL_OPERATORS = ['AND', 'OR', 'NOT'] as const
export type LogicalOperator = (typeof LOGICAL_OPERATORS)[number]

/** A leaf: `{column, operator, value}`. `is_null` takes `value: true` (IS NULL) or `false`. */
export interface FilterLeaf {
  readonly column: string
  readonly operator: FilterOperator
  readonly value?: unknown
}

/** A node: `{logical_operator, rules}`; `NOT` negates the AND of its rules. */
export interface FilterGroup {
  readonly logical_operator: LogicalOperator
  readonly rules: readonly FilterRule[]
}

export type FilterRule = FilterLeaf | FilterGroup

export type SortDirection = 'asc' | 'desc'

export interface OrderByEntry {
  readonly column: string
  readonly direction?: SortDirection
}

/** `"name"`, `"-created_at"` (descending), `{column, direction}`, or a list of those. */
export type OrderBy = string | OrderByEntry | ReadonlyArray<string | OrderByEntry>

/** The one list shape every repository accepts. */
export interface ListQuery {
  readonly where?: FilterRule
  readonly order_by?: OrderBy
  /** 1..1000, default 100. */
  readonly limit?: number
  /** Offset paging; cannot be combined with `cursor`. */
  readonly offset?: number
  /** The `next_cursor` of the previous page (keyset paging). */
  readonly cursor?: string
  /** Also count every matching row (one more statement). */
  readonly total?: boolean
}

/** What `stream(query)` accepts: the list shape without paging, and any `limit`. */
export interface StreamQuery {
  readonly where?: FilterRule
  readonly order_by?: OrderBy
  /** At most this many rows (default: all). */
  readonly limit?: number
}

export interface ListResult<T> {
  readonly items: T[]
  readonly total?: number
  /** Pass as `cursor` to get the next page; `null` on the last page. */
  readonly next_cursor: string | null
}

export const MAX_LIMIT = 1000
export const DEFAULT_LIMIT = 100

const leafSchema = z.strictObject({
  column: z.string().min(1).max(128),
  operator: z.enum(FILTER_OPERATORS),
  value: z.unknown().optional(),
})

/** The filter-rule tree as a Zod schema (shape only; columns and value types are checked per entity). */
export const filterRuleSchema: z.ZodType<FilterRule> = z.lazy(() =>
  z.union([leafSchema, z.strictObject({ logical_operator: z.enum(LOGICAL_OPERATORS), rules: z.array(filterRuleSchema).min(1).max(100) })]),
) as z.ZodType<FilterRule>

const orderEntrySchema = z.strictObject({ column: z.string().min(1).max(128), direction: z.enum(['asc', 'desc']).optional() })

export const orderBySchema = z.union([
  z.string().min(1).max(129),
  orderEntrySchema,
  z
    .array(z.union([z.string().min(1).max(129), orderEntrySchema]))
    .min(1)
    .max(8),
])

const listFields = {
  order_by: orderBySchema.optional(),
  limit: z.int().min(1).max(MAX_LIMIT).optional(),
  offset: z.int().min(0).optional(),
  cursor: z.string().min(1).max(4096).optional(),
  total: z.boolean().optional(),
}

const offsetOrCursor = {
  check: (query: { offset?: number | undefined; cursor?: string | undefined }) => query.offset === undefined || query.cursor === undefined,
  params: { message: 'Use either offset or cursor, not both', path: ['cursor'] },
}

/**
 * The list query as a Zod schema: the CLI parses `--where` / `--order-by` JSON with it,
 * and `z.toJSONSchema(listQuerySchema)` documents it for API clients.
 */
export const listQuerySchema = z.strictObject({ where: filterRuleSchema.optional(), ...listFields }).refine(offsetOrCursor.check, offsetOrCursor.params)

/** The same, with `where` left to `checkFilter` (which reports exact paths per entity). @internal */
export const listOptionsSchema = z.strictObject({ where: z.unknown().optional(), ...listFields }).refine(offsetOrCursor.check, offsetOrCursor.params)

const noPages = z.undefined({ error: 'A stream reads every matching row: it takes no offset, cursor or total (use limit)' }).optional()

/** A stream query (`StreamQuery`), with `where` left to `checkFilter`. @internal */
export const streamOptionsSchema = z.strictObject({
  where: z.unknown().optional(),
  order_by: orderBySchema.optional(),
  limit: z.int().min(1).optional(),
  offset: noPages,
  cursor: noPages,
  total: noPages,
})
