import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely'
import type { DialectAdapter } from '../db/dialect-adapter.js'
import { ValidationError } from '../errors.js'
import { checkValue, resolveColumn, type AnyDatabase, type QueryColumn, type QueryEntity } from './query-entity.js'
import { FILTER_OPERATORS, LOGICAL_OPERATORS, type FilterOperator } from './query-schema.js'

const MAX_DEPTH = 8
const MAX_RULES = 200
const MAX_IN_VALUES = 1000

/** A checked filter tree: columns resolved, values typed and encoded for the engine. */
export type CompiledFilter =
  | { readonly kind: 'leaf'; readonly column: QueryColumn; readonly operator: FilterOperator; readonly value: unknown }
  | { readonly kind: 'group'; readonly operator: 'AND' | 'OR' | 'NOT'; readonly rules: readonly CompiledFilter[] }

/**
 * Checks a `where` tree against the entity (every column known, every value of its
 * column's type) and encodes its values for the engine. Throws `ValidationError` with
 * the path of the first offending value, e.g. `where.rules[1].column`.
 */
export function checkFilter(entity: QueryEntity, adapter: DialectAdapter, where: unknown, path = 'where'): CompiledFilter {
  let count = 0
  const visit = (node: unknown, nodePath: string, depth: number): CompiledFilter => {
    if (++count > MAX_RULES) throw issue(nodePath, `A filter may have at most ${MAX_RULES} rules`)
    if (depth > MAX_DEPTH) throw issue(nodePath, `Filters may nest at most ${MAX_DEPTH} levels`)
    if (typeof node !== 'object' || node === null || Array.isArray(node)) {
      throw issue(nodePath, 'Expected {column, operator, value} or {logical_operator, rules}')
    }
    const record = node as Record<string, unknown>
    if ('logical_operator' in record || 'rules' in record) {
      rejectExtraKeys(record, ['logical_operator', 'rules'], nodePath)
      const operator = record.logical_operator
      if (!LOGICAL_OPERATORS.includes(operator as never)) {
        throw issue(`${nodePath}.logical_operator`, `Expected one of ${LOGICAL_OPERATORS.join(', ')}`)
      }
      const rules = record.rules
      if (!Array.isArray(rules) || rules.length === 0) throw issue(`${nodePath}.rules`, 'Expected a non-empty array of rules')
      return {
        kind: 'group',
        operator: operator as 'AND' | 'OR' | 'NOT',
        rules: rules.map((rule, i) => visit(rule, `${nodePath}.rules[${i}]`, depth + 1)),
      }
    }
    rejectExtraKeys(record, ['column', 'operator', 'value'], nodePath)
    const column = resolveColumn(entity, record.column, `${nodePath}.column`)
    const operator = record.operator
    if (!FILTER_OPERATORS.includes(operator as never)) {
      throw issue(`${nodePath}.operator`, `Expected one of ${FILTER_OPERATORS.join(' ')}`)
    }
    return {
      kind: 'leaf',
      column,
      operator: operator as FilterOperator,
      value: leafValue(column, operator as FilterOperator, record.value, `${nodePath}.value`, adapter),
    }
  }
  return visit(where, path, 1)
}

function leafValue(column: QueryColumn, operator: FilterOperator, value: unknown, path: string, adapter: DialectAdapter): unknown {
  const encode = (raw: unknown, at: string) => encodeValue(adapter, checkValue(column, raw, at))
  switch (operator) {
    case 'is_null':
      if (value === undefined) return true
      if (typeof value !== 'boolean') throw issue(path, 'Expected true (IS NULL) or false (IS NOT NULL)')
      return value
    case 'in':
      if (!Array.isArray(value) || value.length === 0 || value.length > MAX_IN_VALUES) {
        throw issue(path, `Expected an array of 1 to ${MAX_IN_VALUES} values`)
      }
      return value.map((item, i) => encode(item, `${path}[${i}]`))
    case 'contains':
      if (column.type !== 'string') throw issue(path.replace(/\.value$/, '.operator'), 'contains applies to text columns only')
      return likePattern(String(checkValue({ ...column, values: undefined }, value, path)))
    default:
      return encode(value, path)
  }
}

export function encodeValue(adapter: DialectAdapter, value: string | number | boolean | Date): unknown {
  if (value instanceof Date) return adapter.encodeTimestamp(value)
  if (typeof value === 'boolean') return adapter.encodeBoolean(value)
  return value
}

/** Turns a checked filter into a Kysely expression; every value travels as a parameter. */
export function filterExpression(eb: ExpressionBuilder<AnyDatabase, string>, filter: CompiledFilter): Expression<SqlBool> {
  if (filter.kind === 'group') {
    const parts = filter.rules.map((rule) => filterExpression(eb, rule))
    if (filter.operator === 'OR') return eb.or(parts)
    const all = eb.and(parts)
    return filter.operator === 'NOT' ? eb.not(all) : all
  }
  const ref = eb.ref(filter.column.column)
  switch (filter.operator) {
    case '==':
      return eb(ref, '=', filter.value)
    case '!=':
      return eb(ref, '<>', filter.value)
    case '>':
    case '<':
    case '>=':
    case '<=':
      return eb(ref, filter.operator, filter.value)
    case 'in':
      return eb(ref, 'in', filter.value as unknown[])
    case 'is_null':
      return eb(ref, filter.value ? 'is' : 'is not', null)
    case 'contains':
      // Case-insensitive (ASCII) on every engine: SQLite's LIKE cannot be made case-sensitive
      // per statement, so all three lower both sides. `!` escapes the wildcards in the value.
      // The value is the LIKE pattern already (see `leafValue`).
      return sql<SqlBool>`lower(${ref}) like lower(${filter.value}) escape '!'`
  }
}

/**
 * The filter with each value that travels as a parameter replaced by `bind(value)`, an
 * `in` list's one by one; `is_null` directions are part of the SQL and stay.
 */
export function bindFilterValues(filter: CompiledFilter, bind: (value: unknown) => unknown): CompiledFilter {
  if (filter.kind === 'group') return { ...filter, rules: filter.rules.map((rule) => bindFilterValues(rule, bind)) }
  if (filter.operator === 'is_null') return filter
  return { ...filter, value: filter.operator === 'in' ? (filter.value as unknown[]).map(bind) : bind(filter.value) }
}

/** What of a filter decides its SQL text: columns, operators, `in` list lengths and `is_null` directions, not the values. */
export function filterShapeKey(filter: CompiledFilter): string {
  if (filter.kind === 'group') return `${filter.operator}(${filter.rules.map(filterShapeKey).join(',')})`
  const { column, operator, value } = filter
  const detail = operator === 'in' ? (value as unknown[]).length : operator === 'is_null' ? value : ''
  return `${column.column} ${operator}${detail}`
}

function likePattern(text: string): string {
  return `%${text.replace(/[!%_]/g, (char) => `!${char}`)}%`
}

function rejectExtraKeys(record: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) throw issue(`${path}.${key}`, `Unknown key: expected ${allowed.join(', ')}`)
  }
}

function issue(path: string, message: string): ValidationError {
  return new ValidationError([{ path, message }])
}
