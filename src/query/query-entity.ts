import type { ColumnKind, SomeTable } from '../db/table-declaration.js'
import { ValidationError } from '../errors.js'

/**
 * The tables a list runs on, as the query language sees them: it filters and orders by
 * column names taken from the entity at run time (core tables and declarative models
 * alike), which Kysely's types cannot follow; the entity's column list is what checks them.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export type AnyDatabase = any
/** How a filterable column's values are typed, checked and encoded. */
export type QueryValueType = 'string' | 'integer' | 'number' | 'boolean' | 'timestamp'

export interface QueryColumn {
  /** The database column (may be qualified, `j.name`, when the base query joins). */
  readonly column: string
  readonly type: QueryValueType
  /** The column may hold NULL: sorted NULLs last, and not usable in a keyset cursor. */
  readonly nullable?: boolean
  /**
   * Unique and not null (like a job's name): an order reaching it needs no further
   * tie-breaker, so `ORDER BY name` can walk the unique index alone.
   */
  readonly unique?: boolean
  /** For string columns with a closed set of values (statuses): any other value is rejected. */
  readonly values?: readonly string[]
}

/**
 * What the query language may touch of one entity: the public column names users
 * write, each mapped to its database column and value type. A name that is not here is
 * a validation error; user strings never reach SQL as identifiers.
 *
 * @example
 * const jobEntity: QueryEntity = {
 *   name: 'jobs',
 *   columns: {
 *     id: { column: 'id', type: 'string' },
 *     name: { column: 'name', type: 'string' },
 *     created_at: { column: 'created_at', type: 'timestamp' },
 *   },
 *   defaultOrder: [{ column: 'name' }],
 * }
 */
export interface QueryEntity {
  /** Used in messages and binds cursors to the entity they came from. */
  readonly name: string
  readonly columns: Readonly<Record<string, QueryColumn>>
  /** The public name of the unique id column, the final tie-breaker of every order (default `id`). */
  readonly idColumn?: string
  readonly defaultOrder?: ReadonlyArray<{ column: string; direction?: 'asc' | 'desc' }>
}

type Queryable<T extends SomeTable> = {
  [K in keyof T['columns'] & string]: T['columns'][K]['kind'] extends Exclude<ColumnKind, 'json'> ? K : never
}[keyof T['columns'] & string]

/**
 * The query language's columns for `names` of `table`, each typed, nullable and (for
 * enums) closed as the table declares it, under its own name; `extra` sets what the
 * declaration cannot know (`unique`) or qualifies a column of a joined base query.
 */
export function queryColumnsOf<T extends SomeTable>(
  table: T,
  names: readonly Queryable<T>[],
  extra: Partial<Record<Queryable<T>, Partial<QueryColumn>>> = {},
): Record<Queryable<T>, QueryColumn> {
  const columns = {} as Record<Queryable<T>, QueryColumn>
  for (const name of names) {
    const declared = table.columns[name]!
    columns[name] = {
      column: name,
      type: declared.kind as QueryValueType,
      ...(declared.nullable ? { nullable: true } : {}),
      ...(declared.values ? { values: declared.values } : {}),
      ...extra[name],
    }
  }
  return columns
}

/** Resolves a user-given column name against the entity's list. */
export function resolveColumn(entity: QueryEntity, name: unknown, path: string): QueryColumn {
  if (typeof name !== 'string' || !Object.hasOwn(entity.columns, name)) {
    throw new ValidationError([
      {
        path,
        message: `Unknown column ${typeof name === 'string' ? JSON.stringify(name) : `(a ${typeof name})`} of ${entity.name}: use one of ${Object.keys(entity.columns).join(', ')}`,
      },
    ])
  }
  return entity.columns[name] as QueryColumn
}

export function idColumnName(entity: QueryEntity): string {
  return entity.idColumn ?? 'id'
}

/**
 * Checks one filter value against its column's type and returns it in the shape the
 * query needs before engine encoding (timestamps as `Date`).
 */
export function checkValue(column: QueryColumn, value: unknown, path: string): string | number | boolean | Date {
  const fail = (expected: string): never => {
    throw new ValidationError([{ path, message: `Expected ${expected}, got ${describe(value)}` }])
  }
  switch (column.type) {
    case 'string':
      if (typeof value !== 'string') return fail('a string')
      // PostgreSQL text cannot hold NUL; rejecting it everywhere keeps the engines alike.
      if ((value as string).includes('\u0000')) return fail('text without NUL characters')
      if (column.values && !column.values.includes(value as string)) return fail(`one of ${column.values.join(', ')}`)
      return value as string
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return fail('an integer')
      return value as number
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return fail('a finite number')
      return value as number
    case 'boolean':
      if (typeof value !== 'boolean') return fail('true or false')
      return value as boolean
    case 'timestamp': {
      const date = value instanceof Date ? value : typeof value === 'string' && ISO_TIME.test(value) ? new Date(value) : undefined
      if (date === undefined || Number.isNaN(date.getTime())) return fail('an ISO 8601 time (e.g. 2024-05-01T12:00:00Z)')
      return date as Date
    }
  }
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (value instanceof Date) return 'a Date'
  return typeof value
}
