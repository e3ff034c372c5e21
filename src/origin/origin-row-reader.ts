import type { ValidationIssue } from '../errors.js'
import type { ExecutionStatus } from '../schema/execution-schemas.js'
import type { OriginRow } from './origin-database.js'
import { OriginRowError, type OriginTable } from './origin-row-error.js'
import { originInstant, type OriginTimeZone } from './origin-time.js'

/**
 * etl-core's execution and attempt statuses, and what each is here. `RUNNING` stays
 * running: the origin cannot tell a run still going from one whose process died.
 */
export const ORIGIN_STATUSES: Readonly<Record<string, ExecutionStatus>> = {
  RUNNING: 'RUNNING',
  SUCCESS: 'SUCCEEDED',
  FAILED: 'FAILED',
}

/**
 * Reads the columns of one origin row as SQLAlchemy wrote them (booleans as 0/1, JSON
 * as text, times as naive `YYYY-MM-DD HH:MM:SS.ffffff`), collecting every problem
 * under the column's name instead of stopping at the first. A getter returns `null` for
 * an SQL NULL it allows and `undefined` once it has recorded a problem.
 */
export class OriginRowReader {
  readonly table: OriginTable
  readonly row: OriginRow
  readonly #zone: OriginTimeZone
  readonly #issues: ValidationIssue[] = []

  constructor(table: OriginTable, row: OriginRow, zone: OriginTimeZone) {
    this.table = table
    this.row = row
    this.#zone = zone
  }

  get id(): string {
    return String(this.row.id)
  }

  get ok(): boolean {
    return this.#issues.length === 0
  }

  problem(path: string, message: string): undefined {
    this.#issues.push({ path, message })
    return undefined
  }

  /** The problems found, as one error naming the table and row; undefined when there were none. */
  error(jobId?: string): OriginRowError | undefined {
    if (this.#issues.length === 0) return undefined
    return new OriginRowError(this.table, this.id, this.#issues, jobId === undefined ? {} : { jobId })
  }

  text(column: string, options: { nullable?: boolean; max?: number; nonEmpty?: boolean } = {}): string | null | undefined {
    const value = this.row[column]
    if (value === null || value === undefined) return options.nullable ? null : this.problem(column, 'Missing value')
    if (typeof value !== 'string' && typeof value !== 'number') return this.problem(column, `Expected text, found ${describe(value)}`)
    const text = String(value)
    if (options.nonEmpty && text.trim() === '') return this.problem(column, 'Must not be empty')
    if (options.max !== undefined && text.length > options.max) return this.problem(column, `At most ${options.max} characters here, found ${text.length}`)
    return text
  }

  integer(column: string, options: { nullable?: boolean; min?: number } = {}): number | null | undefined {
    const value = this.row[column]
    if (value === null || value === undefined) return options.nullable ? null : this.problem(column, 'Missing value')
    const number = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value
    if (typeof number !== 'number' && typeof number !== 'bigint') return this.problem(column, `Expected an integer, found ${describe(value)}`)
    const n = Number(number)
    if (!Number.isSafeInteger(n)) return this.problem(column, `Expected an integer, found ${describe(value)}`)
    if (options.min !== undefined && n < options.min) return this.problem(column, `Must be at least ${options.min}, found ${n}`)
    return n
  }

  /** SQLAlchemy's Boolean on SQLite: 0 or 1. */
  boolean(column: string): boolean | undefined {
    const value = this.row[column]
    if (value === 0 || value === 1 || value === 0n || value === 1n) return Number(value) === 1
    if (value === true || value === false) return value
    if (value === '0' || value === '1') return value === '1'
    return this.problem(column, `Expected a boolean (0 or 1), found ${describe(value)}`)
  }

  time(column: string, options: { nullable?: boolean } = {}): Date | null | undefined {
    const value = this.row[column]
    if (value === null || value === undefined) return options.nullable ? null : this.problem(column, 'Missing time')
    if (typeof value !== 'string') return this.problem(column, `Expected a date-time text, found ${describe(value)}`)
    const instant = originInstant(value, this.#zone)
    if (instant === undefined) return this.problem(column, `Not a date-time: ${JSON.stringify(value.slice(0, 60))}`)
    return instant
  }

  /** A JSON column (SQLAlchemy's JSON type stores text). */
  json(column: string): unknown {
    const value = this.row[column]
    if (typeof value !== 'string') return this.problem(column, `Expected JSON text, found ${describe(value)}`)
    try {
      return JSON.parse(value)
    } catch (error) {
      return this.problem(column, `Not valid JSON: ${(error as Error).message}`)
    }
  }

  /** A JSON object column. */
  object(column: string): Record<string, unknown> | undefined {
    const value = this.json(column)
    if (value === undefined) return undefined
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return this.problem(column, `Expected a JSON object, found ${describe(value)}`)
    return value as Record<string, unknown>
  }

  status(column: string): ExecutionStatus | undefined {
    const value = this.row[column]
    const status = typeof value === 'string' ? ORIGIN_STATUSES[value] : undefined
    if (status !== undefined) return status
    return this.problem(column, `${describe(value)} is not an etl-core status (${Object.keys(ORIGIN_STATUSES).join(', ')})`)
  }
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'NULL'
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)
  if (Buffer.isBuffer(value)) return 'a blob'
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object'
  return String(value)
}
